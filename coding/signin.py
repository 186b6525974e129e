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
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

SIGN_IN_RATE_LIMITED = (
    "Too many sign-in attempts from your network in the last minute. Please wait a minute and "
    "try again."
)
SIGN_IN_PATHS = {"/login/", "/admin/login/"}


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
    """Count one sign-in attempt from `ip`; return whether it may go on and seconds to wait."""
    window = settings.SIGN_IN_RATE_WINDOW
    now = time.time() if now is None else now
    slot = int(now // window)
    key = f"sign-in:{ip}:{slot}"
    cache.add(key, 0, timeout=window * 2)
    try:
        attempts = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window * 2)
        attempts = 1
    wait = max(1, int((slot + 1) * window - now))
    return attempts <= settings.SIGN_IN_RATE_LIMIT, wait


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
        response = TemplateResponse(
            request,
            "registration/login.html",
            {"form": AuthenticationForm(), "rate_limited": SIGN_IN_RATE_LIMITED},
            status=429,
        )
        response["Retry-After"] = str(wait)
        return response.render()  # middleware responses are not rendered by the handler
