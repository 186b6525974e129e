"""A Content-Security-Policy on every response, without 'unsafe-inline'; sessions kept alive
while used, and a sign-in page that knows when a session has ended.

Pages load scripts and styles from our own origin only. The few inline <style> blocks (value
colours) carry a per-request nonce, read in templates as `request.csp_nonce`.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url

from .access import session_ended


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
