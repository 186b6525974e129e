"""Signing in: Django's sign-in page, which also says when a session has ended."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.contrib.auth.views import LoginView
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme

from ..middleware import SESSION_ENDED_PARAM

SESSION_ENDED_PAGE = (
    "Your session has ended, so you were signed out. Sign in again to go back to the page you "
    "were on."
)


class SignInView(LoginView):
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if self.request.GET.get(SESSION_ENDED_PARAM) == "1":
            context["session_ended"] = SESSION_ENDED_PAGE
        return context


def login_url(next_url: str, request: HttpRequest) -> str:
    """The sign-in page's address, returning to next_url when it is a page of this site."""
    base = resolve_url(settings.LOGIN_URL)
    if not next_url or not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return base
    parts = urlsplit(next_url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return f"{base}?next={quote(path, safe='/')}"
