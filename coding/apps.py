from __future__ import annotations

import importlib.util
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core import checks

S3_MISSING = (
    "STORAGE_URL names an S3 bucket, but django-storages and boto3 are not installed: "
    "pip install 'peervalues[s3]'."
)

# The menu reads this from the session, so pages need no query to show the right entries; the
# views themselves always check the current roles.
READER_ONLY = "reader_only"


def remember_reader_only(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from .access import is_reader_only  # the models load only once the app registry is ready

    if request is not None and hasattr(request, "session"):
        request.session[READER_ONLY] = is_reader_only(user)


def storage_backends_check(app_configs: Any = None, **kwargs: Any) -> list[checks.Error]:
    """STORAGE_URL's S3 backend needs the optional [s3] dependencies: say so before serving."""
    wanted = any(
        str(config.get("BACKEND", "")).startswith("storages.")
        for config in settings.STORAGES.values()
    )
    if not wanted or all(importlib.util.find_spec(name) for name in ("storages", "boto3")):
        return []
    return [checks.Error(S3_MISSING, id="coding.E001")]


class CodingConfig(AppConfig):
    name = "coding"
    verbose_name = "Peer values coding"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        user_logged_in.connect(remember_reader_only, dispatch_uid="coding.reader_only")
        checks.register(storage_backends_check)
