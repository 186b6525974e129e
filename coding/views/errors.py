"""Error pages inside the site's layout: a sentence saying what happened and a way back."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

FORBIDDEN = "You do not have permission to open this page."
NOT_FOUND = "We could not find this page. It may have moved, or the address may be mistyped."
SERVER_ERROR = (
    "Something went wrong on our side and the page could not be shown. Nothing you did caused "
    "this; please try again in a moment."
)


def permission_denied(request: HttpRequest, exception: Any = None) -> HttpResponse:
    # The views raise PermissionDenied with a plain sentence saying why (e.g. admins only).
    reason = str(exception) if exception is not None else ""
    context = {"message": FORBIDDEN, "reason": reason}
    return render(request, "403.html", context, status=403)


def page_not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    # The reason is not shown: "not a member" and "no such page" must look the same.
    return render(request, "404.html", {"message": NOT_FOUND}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No request context: after a failure (the database down) even the menu's user may fail.
    html = render_to_string("500.html", {"message": SERVER_ERROR})
    return HttpResponse(html, status=500)
