"""Error answers: JSON `{"error": ...}` under /api/, pages inside the site's layout elsewhere.

Wired in as CSRF_FAILURE_VIEW and the handler400/403/404/500 of peervalues/urls.py, so that
failures raised outside a view (a middleware, the database gone mid-request) answer the JSON
API in JSON too.
"""

from __future__ import annotations

import sys
from typing import Any

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.html import escape
from django.views import csrf, defaults

API_PREFIX = "/api/"
CSRF_FAILED = (
    "This request was refused because its security token was missing or out of date. "
    "Reload the page and try again."
)
DATABASE_UNAVAILABLE = (
    "The database is not answering just now, so nothing was saved. Please try again in a moment."
)
SERVER_ERROR = (
    "Something went wrong on the server, so nothing was saved. Please try again, and tell an "
    "administrator if it keeps happening."
)
BAD_REQUEST = "The request could not be understood."
FORBIDDEN = "You may not do this."
NOT_FOUND = "There is nothing at this address."
RETRY_AFTER_SECONDS = 5
BARE_ERROR_PAGE = (
    '<!DOCTYPE html><html lang="en-gb"><head><meta charset="utf-8"><title>Peer Values</title>'
    '</head><body><main><h1>Peer Values</h1><p>{message}</p><p><a href="/">Back to the start'
    "</a></p></main></body></html>"
)

# The pages say what happened in a sentence and offer a way back (templates/_error.html).
PAGE_FORBIDDEN = "You do not have permission to open this page."
PAGE_NOT_FOUND = "We could not find this page. It may have moved, or the address may be mistyped."
PAGE_SERVER_ERROR = (
    "Something went wrong on our side and the page could not be shown. Nothing you did caused "
    "this; please try again in a moment."
)


def database_down(exc: BaseException | None) -> bool:
    """Whether an error comes from an unreachable database, however Django rewrapped it.

    The session middleware, for one, turns a failed session save into "the session was
    deleted" (a 400): the database error is still in the exception's context.
    """
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OperationalError | InterfaceError):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def unavailable(request: HttpRequest) -> HttpResponse:
    if is_api(request):
        response: HttpResponse = json_error(DATABASE_UNAVAILABLE, 503)
    else:
        response = server_error_page(503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def json_error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    if is_api(request):
        return json_error(CSRF_FAILED, 403)
    return csrf.csrf_failure(request, reason)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if database_down(exception):
        return unavailable(request)
    if is_api(request):
        return json_error(BAD_REQUEST, 400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return json_error(str(exception) or FORBIDDEN, 403)
    # The views raise PermissionDenied with a plain sentence saying why (e.g. admins only).
    context = {"message": PAGE_FORBIDDEN, "reason": str(exception or "")}
    return render(request, "403.html", context, status=403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return json_error(NOT_FOUND, 404)
    # The reason is not shown: "not a member" and "no such page" must look the same.
    return render(request, "404.html", {"message": PAGE_NOT_FOUND}, status=404)


def server_error(request: HttpRequest, *args: Any) -> HttpResponse:
    """500, or 503 when the database is unreachable: a state that passes, worth a retry."""
    if database_down(sys.exc_info()[1]):
        return unavailable(request)
    if is_api(request):
        return json_error(SERVER_ERROR, 500)
    return server_error_page(500)


def server_error_page(status: int) -> HttpResponse:
    # No request context: after a failure (the database gone) even the menu's user may fail.
    try:
        html = render_to_string("500.html", {"message": PAGE_SERVER_ERROR})
    except Exception:
        # The layout needs static files and templates; without them, still say what happened
        # with the right status, so a 503 stays a 503 that clients retry.
        html = BARE_ERROR_PAGE.format(message=escape(PAGE_SERVER_ERROR))
    return HttpResponse(html, status=status)
