from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in

# The menu reads this from the session, so pages need no query to show the right entries; the
# views themselves always check the current roles.
READER_ONLY = "reader_only"


def remember_reader_only(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from .access import is_reader_only  # the models load only once the app registry is ready

    if request is not None and hasattr(request, "session"):
        request.session[READER_ONLY] = is_reader_only(user)


class CodingConfig(AppConfig):
    name = "coding"
    verbose_name = "Peer values coding"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        user_logged_in.connect(remember_reader_only, dispatch_uid="coding.reader_only")
