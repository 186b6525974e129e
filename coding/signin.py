"""Sign-in under attack: the client's real address, and a rate limit before password checks.

Each password check costs a worker about half a second of CPU (on purpose), so a flood of
sign-in attempts would slow everyone's coding down. The limit counts attempts per client
address in the cache (shared between workers when REDIS_URL is set) and answers 429 before
Django hashes anything. django-axes, which locks out a username at an address after repeated
failures, reads the address from `client_ip` too (AXES_CLIENT_IP_CALLABLE).
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

SIGN_IN_RATE_LIMITED = (
    "Too many sign-in attempts from your network in the last minute. Please wait a minute and "
    "try again."
)
SIGN_IN_PATHS = {"/login/", "/admin/login/"}
# A fixed page: during a flood this is the answer to almost every request, so it must cost
# next to nothing (no template, no database, no session).
REFUSED_PAGE = (
    '<!doctype html>\n<html lang="en-GB"><head><meta charset="utf-8">'
    "<title>Too many sign-in attempts · Peer Values</title></head>"
    f"<body><main><h1>Too many sign-in attempts</h1><p>{SIGN_IN_RATE_LIMITED}</p>"
    '<p><a href="/login/">Back to sign in</a></p></main></body></html>\n'
)


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The address of the client, as the outermost of TRUSTED_PROXY_COUNT proxies saw it.

    Each proxy appends the address it received the request from to X-Forwarded-For, so with N
    trusted proxies the client is the N-th entry from the right; anything further left was
    written by the client and may be forged. Without trusted proxies the header is ignored.
    """
    remote = request.META.get("REMOTE_ADDR", "") or "0.0.0.0"
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [p for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
    if not forwarded:
        return remote
    chosen = forwarded[-count] if len(forwarded) >= count else forwarded[0]
    return _address(chosen) or remote


def attempt_allowed(ip: str, now: float | None = None) -> tuple[bool, int]:
    """Count one sign-in attempt from `ip`; return whether it may go on and seconds to wait.

    A sliding window, approximated from two fixed ones: the previous window's count weighs as
    much as the part of it still inside the last SIGN_IN_RATE_WINDOW seconds, so a burst at a
    window's edge cannot get twice the limit through.
    """
    window = settings.SIGN_IN_RATE_WINDOW
    now = time.time() if now is None else now
    slot = int(now // window)
    key = f"sign-in:{ip}:{slot}"
    cache.add(key, 0, timeout=window * 2)
    try:
        current = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window * 2)
        current = 1
    previous = cache.get(f"sign-in:{ip}:{slot - 1}", 0)
    weight = 1 - (now - slot * window) / window
    allowed = previous * weight + current <= settings.SIGN_IN_RATE_LIMIT
    wait = max(1, int((slot + 1) * window - now))
    return allowed, wait


class SignInRateLimitMiddleware:
    """Answer 429 to sign-in attempts beyond SIGN_IN_RATE_LIMIT a minute from one address."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.path_info in SIGN_IN_PATHS:
            allowed, wait = attempt_allowed(client_ip(request))
            if not allowed:
                return self._refused(request, wait)
        return self.get_response(request)

    def _refused(self, request: HttpRequest, wait: int) -> HttpResponse:
        response = HttpResponse(REFUSED_PAGE, status=429)
        response["Retry-After"] = str(wait)
        return response
