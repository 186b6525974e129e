"""Browser tests in Debian's Chromium, driven by Playwright through its executable path.

The browser must start: a missing Chromium fails these tests rather than skipping them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import sync_playwright

from ..test_permissions import world  # noqa: F401  the matrix's objects, for pages walked
from .chromium import CHROMIUM_PATH, chromium_launch

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the test
# itself (fixtures, assertions) are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

AXE_PATH = Path(__file__).resolve().parent.parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM_PATH).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM_PATH}: install Debian's chromium.")
    with sync_playwright() as playwright:
        browser = chromium_launch(playwright)
        yield browser
        browser.close()


@pytest.fixture
def signed_in(browser: Any, live_server: Any) -> Any:
    """Return a function that opens a new page signed in as the given user."""
    contexts = []

    def open_page(user: Any) -> Any:
        client = Client()
        client.force_login(user)
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1400, "height": 900}
        )
        context.add_cookies(
            [
                {
                    "name": "sessionid",
                    "value": client.cookies["sessionid"].value,
                    "url": live_server.url,
                }
            ]
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        # The live server's first pages are slow on a busy machine (cold caches, two cores).
        page.set_default_navigation_timeout(30_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on(
            "console",
            lambda msg: errors.append(msg.text) if msg.type == "error" else None,
        )
        page.js_errors = errors
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def phone(browser: Any, live_server: Any) -> Any:
    """Open pages signed in, in a 390 px wide viewport (or another width) with touch."""
    contexts = []

    def open_page(user: Any, width: int = 390) -> Any:
        client = Client()
        client.force_login(user)
        context = browser.new_context(
            base_url=live_server.url,
            viewport={"width": width, "height": 844},
            has_touch=True,
            is_mobile=True,
        )
        context.add_cookies(
            [
                {
                    "name": "sessionid",
                    "value": client.cookies["sessionid"].value,
                    "url": live_server.url,
                }
            ]
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.set_default_navigation_timeout(30_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def run_axe(page: Any) -> list[dict[str, Any]]:
    """Run axe-core in the page and return its serious and critical violations."""
    # Evaluated through the DevTools protocol: the page's own CSP forbids inline scripts.
    page.evaluate(AXE_PATH.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def open_coding_page(page: Any, interview: Any, query: str = "") -> None:
    """Open an interview's coding page and wait until its script has drawn the transcript."""
    # A generous first load: the live server starts cold and the machine may be busy.
    page.goto(f"/interviews/{interview.pk}/{query}", timeout=30_000)
    page.wait_for_selector("#transcript[data-ready=true]")
