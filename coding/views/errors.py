"""Error answers: JSON `{"error": ...}` under /api/, Django's own pages elsewhere.

Wired in as CSRF_FAILURE_VIEW and the handler400/403/404/500 of peervalues/urls.py, so that
failures raised outside a view (a middleware, the database gone mid-request) answer the JSON
API in JSON too.
"""

from __future__ import annotations

import sys
from typing import Any

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
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


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def json_error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    if is_api(request):
        return json_error(CSRF_FAILED, 403)
    return csrf.csrf_failure(request, reason)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return json_error(BAD_REQUEST, 400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return json_error(str(exception) or FORBIDDEN, 403)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return json_error(NOT_FOUND, 404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest, *args: Any) -> HttpResponse:
    """500, or 503 when the database is unreachable: a state that passes, worth a retry."""
    database_down = isinstance(sys.exc_info()[1], OperationalError | InterfaceError)
    if is_api(request):
        response = json_error(DATABASE_UNAVAILABLE if database_down else SERVER_ERROR, 500)
    else:
        response = defaults.server_error(request)
    if database_down:
        response.status_code = 503
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
