"""What every benchmark needs: a PostgreSQL database of its own, migrated, and Django set up.

The scripts run as `python bench/<name>.py`, so this folder is on `sys.path` and they import
this module by its plain name; importing it puts the project's root on `sys.path` too.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
# The scripts import the project's modules (`coding`, `tests.browser.chromium`) from its root.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def postgres_url(default: str) -> str:
    """The benchmark's DATABASE_URL (the default when unset); PostgreSQL only."""
    url = os.environ.setdefault("DATABASE_URL", default)
    if not url.startswith("postgres"):
        sys.exit("Run the benchmarks on PostgreSQL: set DATABASE_URL=postgres://...")
    return url


def database_create(url: str, *, keep: bool = False) -> bool:
    """Create the database of `url`, dropping an old one unless `keep`; True if it was kept."""
    import psycopg2

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    connection = psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname="postgres",
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        exists = cursor.fetchone() is not None
        if exists and keep:
            connection.close()
            return True
        if exists:
            cursor.execute(f'DROP DATABASE "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    return False


def migrate() -> None:
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, check=True
    )


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peervalues.settings")
    import django

    django.setup()
