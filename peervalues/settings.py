"""Settings for Peer Values, read from the environment.

SQLite in the project folder is the default so that a fresh clone runs at once; PostgreSQL comes
in through DATABASE_URL. Nothing secret lives in this file.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from exc


S3_BACKEND = "storages.backends.s3.S3Storage"
# STORAGE_URL query parameters and the django-storages S3Storage options they set.
S3_PARAMETERS = {
    "endpoint": "endpoint_url",
    "region": "region_name",
    "addressing": "addressing_style",
}


def storage_config(url: str) -> dict[str, dict]:
    """Turn STORAGE_URL into STORAGES entries: job files ("default") and uploads ("uploads").

    `s3://bucket/prefix?endpoint=https://s3.example.org&region=eu-west-2` puts both in an
    S3-compatible bucket through django-storages (`pip install 'peervalues[s3]'`), under
    `prefix/files/` and `prefix/uploads/`; the keys come from AWS_ACCESS_KEY_ID and
    AWS_SECRET_ACCESS_KEY. Empty: the server's own folders (MEDIA_ROOT, UPLOADS_DIR).
    """
    if not url:
        return {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise ImproperlyConfigured(
            f"STORAGE_URL must look like s3://bucket/prefix?endpoint=https://… (got {url!r})."
        )
    query = parse_qs(parts.query)
    unknown = sorted(set(query) - set(S3_PARAMETERS))
    if unknown:
        raise ImproperlyConfigured(
            f"STORAGE_URL has unknown parameters: {', '.join(unknown)} (known: "
            f"{', '.join(S3_PARAMETERS)})."
        )
    options = {S3_PARAMETERS[key]: values[-1] for key, values in query.items()}
    prefix = parts.path.strip("/")
    # Private objects (the bucket's own policy decides), never a public URL: files go out only
    # through views that check access. Names are never overwritten, as on a local disk.
    common = {"bucket_name": parts.netloc, "default_acl": None, "file_overwrite": False, **options}

    def under(folder: str) -> dict:
        location = f"{prefix}/{folder}" if prefix else folder
        return {"BACKEND": S3_BACKEND, "OPTIONS": {**common, "location": location}}

    return {"default": under("files"), "uploads": under("uploads")}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def database_config(url: str, base_dir: Path) -> dict:
    """Turn a DATABASE_URL into Django's DATABASES['default'] (SQLite in base_dir when empty)."""
    if not url:
        url = f"sqlite:///{base_dir / 'db.sqlite3'}"
    config = dj_database_url.parse(url, conn_max_age=60)
    engine = config["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        # Each request holds the file briefly; a timeout avoids "database is locked" when the
        # dev server and a management command write at the same time.
        options = config.setdefault("OPTIONS", {})
        options["timeout"] = 20
        # A transaction that began reading and then writes cannot wait for another writer
        # (SQLite answers "database is locked" at once, to avoid a deadlock): tag saves failed so
        # while a job imported a batch. IMMEDIATE takes the write lock when a transaction begins,
        # so writers queue within the timeout; WAL lets pages read while one transaction writes.
        options["transaction_mode"] = "IMMEDIATE"
        options["init_command"] = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
        config["CONN_MAX_AGE"] = 0
    elif engine not in {"django.db.backends.postgresql"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL must be a sqlite:// or postgres:// URL (got engine {engine})."
        )
    return config


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off. For development, set DEBUG=1."
        )
    # Only ever used with DEBUG on, on a developer's machine.
    SECRET_KEY = "dev-only-insecure-key-not-for-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "coding",
]

MIDDLEWARE = [
    # First, so the time it logs covers everything below it.
    "coding.middleware.RequestLogMiddleware",
    # Sees every write's outcome; its recount runs after the answer has gone (no time logged).
    "coding.middleware.TalliesAfterWritesMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before sessions, the CSRF check and authentication: a refused sign-in attempt in a flood
    # costs no database query (not even a session's), no body read and no password hash.
    "coding.signin.SignInRateLimitMiddleware",
    # Static files straight from the WSGI server, before sessions and the CSP: no database hit.
    # With DEBUG the development server serves them from the source folders instead.
    *([] if DEBUG else ["whitenoise.middleware.WhiteNoiseMiddleware"]),
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Before anything reads a body (the CSRF check does): oversized requests go unread.
    "coding.middleware.RequestSizeLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "coding.middleware.SessionIdleRefreshMiddleware",
    "coding.middleware.SessionEndedMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "coding.middleware.ContentSecurityPolicyMiddleware",
    # Last, as django-axes asks, so that it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "peervalues.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "peervalues.wsgi.application"

DATABASES = {"default": database_config(env_str("DATABASE_URL"), BASE_DIR)}
# An optional read replica of PostgreSQL for the comparison pages (peervalues/db_router.py).
if env_str("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = database_config(env_str("DATABASE_REPLICA_URL"), BASE_DIR)
    DATABASE_ROUTERS = ["peervalues.db_router.ReplicaRouter"]
    MIDDLEWARE.append("coding.middleware.ReplicaReadsMiddleware")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "my_work"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Where `seed_demo` keeps the demo logins it made (git-ignored, mode 0600).
DEMO_PASSWORDS_FILE = env_str("DEMO_PASSWORDS_FILE", str(BASE_DIR / ".demo-passwords"))

STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Files the app makes (job outputs): private, served only through views that check access.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# STORAGE_URL (s3://…) moves job files and waiting uploads to a bucket every server shares.
STORAGE_URL = env_str("STORAGE_URL")
STORAGES = {
    **storage_config(STORAGE_URL),
    # Without DEBUG, file names carry a hash of their content (cached for a year by browsers) and
    # gzip copies sit beside them; both come from `collectstatic`. The development server and the
    # tests read the source folders directly instead.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Sessions end after inactivity: transcripts are sensitive and screens are left unattended.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 2)
SESSION_SAVE_EVERY_REQUEST = False  # coding.middleware.SessionIdleRefreshMiddleware instead
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CSRF_FAILURE_VIEW = "coding.views.errors.csrf_failure"  # JSON under /api/

# Behind reverse proxies, how many of them to trust: each appends the address it was sent from
# to X-Forwarded-For, so the client is the N-th address from the right (0: no proxy, use the
# connection's address). Too high and clients can forge their address; too low and every
# client shares the proxy's address, and one person's failed sign-ins lock others out.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# Sign-in attempts allowed per client address per window, before any password is checked.
SIGN_IN_RATE_LIMIT = env_int("SIGN_IN_RATE_LIMIT", 10)
SIGN_IN_RATE_WINDOW = env_int("SIGN_IN_RATE_WINDOW", 60)  # seconds

# The sign-in counts live in the cache (CACHES below): set CACHE_URL to Redis so that every
# worker shares them and the limit holds across workers.

# Lock an account and address out after repeated failed logins.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "coding.signin.client_ip"  # the real address behind proxies

# Uploads: transcript batches can be large, but never unbounded.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = env_int("FILE_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)
MAX_UPLOAD_SIZE = env_int("MAX_UPLOAD_SIZE", 200 * 1024 * 1024)
# Every other request (forms, the JSON API, sign-in) is refused, unread, beyond this size.
MAX_REQUEST_SIZE = env_int("MAX_REQUEST_SIZE", 2 * 1024 * 1024)
# Import limits: a batch is refused, with a message, beyond them (zip bombs, runaway batches).
IMPORT_MAX_FILES = env_int("IMPORT_MAX_FILES", 2000)
IMPORT_MAX_FILE_SIZE = env_int("IMPORT_MAX_FILE_SIZE", 20 * 1024 * 1024)
IMPORT_MAX_TOTAL_SIZE = env_int("IMPORT_MAX_TOTAL_SIZE", 1024 * 1024 * 1024)
IMPORT_MAX_COMPRESSION_RATIO = env_int("IMPORT_MAX_COMPRESSION_RATIO", 100)
# Uploads wait between preview and confirm in this Django storage (STORAGES["uploads"] instead,
# when STORAGE_URL sets one); with the default one, in a private folder of the server
# ("" = the system's temporary folder). Servers that share the storage can confirm each other's
# previews. They expire after UPLOADS_MAX_AGE seconds.
UPLOADS_STORAGE = env_str("UPLOADS_STORAGE", "django.core.files.storage.FileSystemStorage")
UPLOADS_DIR = env_str("UPLOADS_DIR", "")
UPLOADS_MAX_AGE = env_int("UPLOADS_MAX_AGE", 24 * 60 * 60)

# Background jobs on the Tasks API (django-tasks today, django.tasks from Django 6). The database
# backend needs nothing beyond the database, so a fresh clone runs jobs at once; several machines
# share RQ on Redis instead. "immediate" runs each job inside the request (tests, debugging).
TASKS_BACKEND_NAME = env_str("TASKS_BACKEND", "db")
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
TASK_BACKENDS = {
    "db": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
if TASKS_BACKEND_NAME not in TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"TASKS_BACKEND must be one of {', '.join(TASK_BACKENDS)} (got {TASKS_BACKEND_NAME!r})."
    )
TASKS = {"default": {"BACKEND": TASK_BACKENDS[TASKS_BACKEND_NAME], "QUEUES": ["default"]}}
if TASKS_BACKEND_NAME == "rq":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    # A job may legitimately run for many minutes (a large import); RQ's default is 3 minutes.
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 60 * 60}}
# A job's progress (and its heartbeat, by which a dead worker is noticed) is written this often;
# a running job silent for JOB_STALE_SECONDS, on another machine, counts as lost.
JOB_HEARTBEAT_SECONDS = env_int("JOB_HEARTBEAT_SECONDS", 2)
JOB_STALE_SECONDS = env_int("JOB_STALE_SECONDS", 60)
# Files that jobs make (exports, backups) are deleted this long after the job finished.
JOB_FILES_KEEP_HOURS = env_int("JOB_FILES_KEEP_HOURS", 7 * 24)
# Idempotency keys of excerpt saves are forgotten by the clean-up after this long (no page
# retries a save that late).
IDEMPOTENCY_KEYS_KEEP_HOURS = env_int("IDEMPOTENCY_KEYS_KEEP_HOURS", 7 * 24)
# The clean-up job is queued this often by every running `manage.py serve`.
JOB_CLEAN_UP_MINUTES = env_int("JOB_CLEAN_UP_MINUTES", 60)
# The task worker runs at a lower CPU priority than the web server (a `nice` increment, 0 to
# 19): an import or export uses whatever the machine has spare, and people's clicks come first.
TASK_WORKER_NICENESS = env_int("TASK_WORKER_NICENESS", 10)
# Exports of more rows than this run as a job instead of inside the request.
EXPORT_JOB_THRESHOLD = env_int("EXPORT_JOB_THRESHOLD", 20_000)

# The cache: each process's memory by default; Redis (CACHE_URL=redis://...) when several
# workers or machines must share it (the sign-in rate limit counts there).
CACHE_URL = env_str("CACHE_URL")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# Counts below this are shown as "<N" to evaluators in breakdowns by participant attribute.
DISCLOSURE_THRESHOLD = env_int("DISCLOSURE_THRESHOLD", 5)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"line": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "line"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
    "loggers": {
        # One line per request (coding.middleware.RequestLogMiddleware); REQUEST_LOG=0 hushes it.
        "peervalues.requests": {
            "handlers": ["console"],
            "level": "INFO" if env_bool("REQUEST_LOG", True) else "WARNING",
            "propagate": False,
        },
    },
}
# The load balancer asks for /health/ over plain HTTP inside the private network.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
