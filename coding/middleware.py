"""Middleware: CSP, idle and ended sessions, request size limits, request logs, replica reads,
the tally recount after writes.

A Content-Security-Policy goes on every response, without 'unsafe-inline'. Pages load scripts
and styles from our own origin only. The few inline <style> blocks (value colours) carry a
per-request nonce, read in templates as `request.csp_nonce`.
"""

from __future__ import annotations

import contextvars
import logging
import secrets
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user
from django.core.signals import request_finished
from django.db import DatabaseError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.urls import Resolver404, resolve

from peervalues.db_router import replica_reads

from .access import is_admin, session_ended
from .analysis.tallies import tallies_refresh_after_write
from .views.errors import is_api, json_error


def content_security_policy(nonce: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            f"style-src 'self' 'nonce-{nonce}'",
            "img-src 'self' data: blob:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = secrets.token_urlsafe(16)
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", content_security_policy(nonce))
        return response


SESSION_TOUCHED = "_touched"
SESSION_TOUCH_EVERY = 60  # seconds


class SessionIdleRefreshMiddleware:
    """Extend a signed-in session while it is used, at most once a minute.

    Sessions end after SESSION_COOKIE_AGE seconds without activity. Saving the session on every
    request (SESSION_SAVE_EVERY_REQUEST) would cost three queries on every API call while
    coding; a minute's granularity on a two-hour timeout costs nothing that matters.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is not None and user is not None and user.is_authenticated:
            now = int(time.time())
            if now - int(session.get(SESSION_TOUCHED, 0)) >= SESSION_TOUCH_EVERY:
                session[SESSION_TOUCHED] = now
        return response


REQUEST_TOO_LARGE = (
    "The request is too large: this address accepts at most {limit}. Nothing was saved."
)
# Pages that take file uploads, from signed-in admins only.
UPLOAD_URL_NAMES = {"import_new", "refi_home"}
MULTIPART_ALLOWANCE = 1024 * 1024  # form fields and part headers around the uploaded file


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")


class RequestSizeLimitMiddleware:
    """Refuse a body larger than its address's limit from its declared length, unread.

    Runs before anything reads the body (the CSRF check parses forms, and Django writes uploaded
    files to disk while parsing), so an oversized request costs nothing. Only the upload pages
    accept more than MAX_REQUEST_SIZE, and only from signed-in admins. A reverse proxy should
    refuse the same sizes first (README: "Running behind a reverse proxy").
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            size = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            size = 0  # Django reads nothing of a body whose length it cannot parse
        limit = settings.MAX_REQUEST_SIZE
        if size > limit and self._is_admin_upload(request):
            limit = settings.MAX_UPLOAD_SIZE + MULTIPART_ALLOWANCE
        if size > limit:
            return self._too_large(request, limit)
        return self.get_response(request)

    def _is_admin_upload(self, request: HttpRequest) -> bool:
        try:
            name = resolve(request.path_info).url_name
        except Resolver404:
            return False
        return name in UPLOAD_URL_NAMES and is_admin(get_user(request))

    def _too_large(self, request: HttpRequest, limit: int) -> HttpResponse:
        message = REQUEST_TOO_LARGE.format(limit=_megabytes(limit))
        if is_api(request):
            response: HttpResponse = json_error(message, 413)
        else:
            response = HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        # The unread body is still on the connection: the server must not reuse it.
        response["Connection"] = "close"
        return response


SESSION_ENDED_PARAM = "ended"


class SessionEndedMiddleware:
    """Tell the sign-in page that the visitor's session has ended rather than never begun.

    The session middleware deletes the stale cookie on the very response that sends the visitor
    to sign in, so the sign-in page can no longer see it: the redirect carries `ended=1`.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        location = response.headers.get("Location", "")
        if (
            response.status_code == 302
            and location.startswith(resolve_url(settings.LOGIN_URL) + "?")
            and session_ended(request)
        ):
            response.headers["Location"] = f"{location}&{SESSION_ENDED_PARAM}=1"
        return response


request_logger = logging.getLogger("peervalues.requests")


class RequestLogMiddleware:
    """Log one line per request: method, path, status, time taken and the signed-in user's id.

    The user comes from the session (the id only, never a name), so that logging costs no query;
    the query string is left out because filters can carry pseudonyms.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        session = getattr(request, "session", None)
        user_id = session.get(SESSION_KEY, "-") if session is not None else "-"
        request_logger.info(
            "%s %s %s %.1fms user=%s",
            request.method,
            request.path,
            response.status_code,
            (time.perf_counter() - started) * 1000,
            user_id,
        )
        return response


class ReplicaReadsMiddleware:
    """Route the comparison pages' reads to the read replica (see peervalues/db_router.py)."""

    PREFIX = "/compare/"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        replica_reads(request.method == "GET" and request.path.startswith(self.PREFIX))
        try:
            return self.get_response(request)
        finally:
            replica_reads(False)


_wrote: contextvars.ContextVar[bool] = contextvars.ContextVar("tallies_wrote", default=False)


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class TalliesAfterWritesMiddleware:
    """Recount the tallies a write queued once its answer has gone, off the coder's clock.

    `request_finished` fires when the WSGI server closes the response, after the body was sent:
    the coder's save is not slowed, and the next comparison usually finds nothing queued (it
    recounts what is left itself, so the tallies stay exact either way).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Refusals (a 429 flood at the sign-in page, say) cost nothing more.
        _wrote.set(request.method not in SAFE_METHODS and response.status_code < 400)
        return response


@receiver(request_finished, dispatch_uid="coding.tallies_after_writes")
def _recount_after_write(**kwargs: object) -> None:
    if not _wrote.get():
        return
    _wrote.set(False)
    try:
        tallies_refresh_after_write()
    except DatabaseError:  # the next comparison recounts instead
        request_logger.warning("tallies not recounted after a write", exc_info=True)
