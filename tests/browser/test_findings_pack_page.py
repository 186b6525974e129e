"""The findings pack in a real browser: accessible, printable, Easy Read, no unconsented quote."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command

from coding.findings.pack_services import pack_feedback_record, pack_publish

from ..pack_data import NOT_SHOWN, SHOWN, pack_world
from .conftest import run_axe
from .test_axe_pages import sweep

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_shows_an_accessible_pack_with_only_consented_quotes(signed_in: Any) -> None:
    world = pack_world()
    version = pack_publish(project=None, projects=world.projects, actor=world.admin)
    pack_feedback_record(
        version=version,
        actor=world.admin,
        who="Members of the community panel",
        received=version.created.date(),
        said="Say what “fairly sure” means.",
        changed="We explained it under How we counted.",
    )
    page = signed_in(world.evaluator)
    for url in ("/findings/all/", "/findings/all/?version=easy", "/findings/side-by-side/"):
        page.goto(url)
        text = page.locator("main").inner_text()
        assert SHOWN in text, url
        for quote in NOT_SHOWN.values():
            assert quote not in text, url
        assert run_axe(page) == [], url
    page.goto("/findings/all/")
    assert page.locator(".pack-chart svg[role=img]").count() == 1
    assert "Safety came up more often in Side by Side than in Women Side by Side." in (
        page.locator("#pack-table").inner_text() + page.locator("main").inner_text()
    )
    page.goto(version.get_absolute_url())
    assert "Members of the community panel" in page.locator("main").inner_text()
    assert run_axe(page) == []
    assert page.js_errors == []


def test_it_prints_without_the_menus_and_starts_each_section_on_a_new_page(
    signed_in: Any,
) -> None:
    world = pack_world()
    page = signed_in(world.peer)
    page.goto("/findings/side-by-side/")
    page.emulate_media(media="print")
    assert page.locator("header nav").is_hidden()
    assert page.locator("#pack-tools").is_hidden()
    assert page.locator("#publish-form").is_hidden()
    breaks = page.locator(".pack-section").evaluate_all(
        "els => els.map(e => getComputedStyle(e).breakBefore)"
    )
    assert breaks and set(breaks) == {"page"}
    page.emulate_media(media="screen")
    assert page.locator("#pack-tools").is_visible()


def test_it_sets_easy_read_in_larger_type(signed_in: Any) -> None:
    world = pack_world()
    page = signed_in(world.peer)
    page.goto("/findings/side-by-side/")
    normal = page.locator("article.pack p").first.evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)"
    )
    page.goto("/findings/side-by-side/?version=easy")
    easy = page.locator("article.easy-read p").first.evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)"
    )
    assert easy >= normal * 1.3


@pytest.mark.parametrize("role", ["peer", "evaluator", "admin"])
def test_it_passes_the_whole_site_sweep_on_every_pack_page(signed_in: Any, role: str) -> None:
    """The sweep of tests/browser/test_axe_pages.py (24 px targets, unique landmarks, link
    names, no sideways page at 320 px) over every pack page each role opens."""
    world = pack_world()
    version = pack_publish(project=world.side, projects=[world.side], actor=world.peer)
    pack_feedback_record(
        version=version,
        actor=world.peer,
        who="A member",
        received=version.created.date(),
        said="Ok",
    )
    page = signed_in(getattr(world, role))
    urls = []
    for base in ("/findings/side-by-side/", "/findings/all/", version.get_absolute_url()):
        urls += [base, f"{base}?version=easy"]
    violations, wider = sweep(page, urls)
    assert (violations, wider) == ({}, {})


def test_it_writes_an_html_file_that_passes_axe_on_its_own(signed_in: Any, tmp_path: Any) -> None:
    world = pack_world()
    for flags in ([], ["--easy"]):
        out = tmp_path / f"pack{len(flags)}.html"
        call_command(
            "export_findings",
            str(out),
            "--project",
            "all",
            "--format",
            "html",
            *flags,
            stdout=io.StringIO(),
        )
        page = signed_in(world.peer)
        page.goto(out.as_uri())
        assert SHOWN in page.locator("main").inner_text()
        assert run_axe(page) == [], flags
