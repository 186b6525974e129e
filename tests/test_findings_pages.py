"""The findings pack's pages and downloads: who may do what, and no unconsented quote anywhere."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.timezone import localdate
from docx import Document

from coding.findings.docx import DOCX
from coding.findings.pack import TITLE_ONE
from coding.findings.pack_forms import DATE_NEEDED
from coding.findings.pack_models import PackFeedback, PackVersion
from coding.findings.pack_services import CHANGED_MISSING, pack_feedback_record, pack_publish
from coding.models import AuditEvent

from .pack_data import NOT_SHOWN, SHOWN, PackWorld, pack_world

TODAY = localdate()


@pytest.fixture
def world(db: Any) -> PackWorld:
    return pack_world()


def docx_text(content: bytes) -> str:
    """Every paragraph and every table cell of a .docx, as one text."""
    document = Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def _get(client: Client, user: Any, url: str) -> Any:
    client.force_login(user)
    return client.get(url)


URLS = {
    "page": lambda scope: reverse("findings_pack", args=[scope]),
    "easy page": lambda scope: reverse("findings_pack", args=[scope]) + "?version=easy",
}
DOWNLOADS = {
    "docx": lambda scope: reverse("findings_download", args=[scope]),
    "easy docx": lambda scope: reverse("findings_download", args=[scope]) + "?version=easy",
}


@pytest.mark.parametrize("role", ["peer", "evaluator", "admin"])
@pytest.mark.parametrize("scope", ["side-by-side", "all"])
def test_it_never_shows_an_unconsented_withdrawn_or_declined_quote(
    client: Client, world: PackWorld, role: str, scope: str
) -> None:
    user = getattr(world, role)
    for name, url in {**URLS, **DOWNLOADS}.items():
        response = _get(client, user, url(scope))
        assert response.status_code == 200, name
        text = docx_text(response.content) if "docx" in name else response.content.decode()
        assert SHOWN in text, (name, role)
        for reason, quote in NOT_SHOWN.items():
            if reason == "hidden project" and role != "evaluator":
                continue  # members who are not evaluators see the small project whole
            assert quote not in text, (name, role, reason)


def test_it_keeps_unconsented_quotes_out_of_a_published_version_and_its_download(
    client: Client, world: PackWorld
) -> None:
    pack_publish(project=None, projects=world.projects, actor=world.admin)
    for url in (
        reverse("findings_version", args=["all", 1]),
        reverse("findings_version", args=["all", 1]) + "?version=easy",
        reverse("findings_version_download", args=["all", 1]),
    ):
        response = _get(client, world.peer, url)
        assert response.status_code == 200
        is_docx = response["Content-Type"] == DOCX
        text = docx_text(response.content) if is_docx else response.content.decode()
        assert SHOWN in text
        for quote in NOT_SHOWN.values():  # a published pack hides the small project too
            assert quote not in text


def test_it_sends_the_docx_as_an_audited_attachment(client: Client, world: PackWorld) -> None:
    response = _get(client, world.evaluator, reverse("findings_download", args=["side-by-side"]))
    assert response["Content-Type"] == DOCX
    assert response["Content-Disposition"] == 'attachment; filename="findings-side-by-side.docx"'
    assert response["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(action="export")
    assert event.model == "findings pack"
    assert event.actor == world.evaluator
    assert event.project_id == world.side.pk


def test_it_names_the_docx_by_its_title_and_language_not_by_the_library(
    client: Client, world: PackWorld
) -> None:
    # Word's accessibility check and PDF export read the title; the library's template says
    # "python-docx", written in 2013.
    for query, suffix in (("", ""), ("?version=easy", ": Easy Read")):
        url = reverse("findings_download", args=["side-by-side"]) + query
        properties = Document(io.BytesIO(_get(client, world.peer, url).content)).core_properties
        assert properties.title == TITLE_ONE.format(name=world.side.name) + suffix
        assert properties.language == "en-GB"
        assert "python-docx" not in (properties.author + properties.comments)
        assert properties.created.year >= 2025


def test_it_puts_headings_the_table_quotes_and_the_appendix_in_the_docx(
    client: Client, world: PackWorld
) -> None:
    first = pack_publish(project=world.side, projects=[world.side], actor=world.peer)
    pack_feedback_record(
        version=first,
        actor=world.peer,
        who="Two participants from Side by Side",
        received=first.created.date(),
        said="Say more about the venue.",
        changed="We added a sentence on venues.",
    )
    response = _get(client, world.peer, reverse("findings_download", args=["side-by-side"]))
    document = Document(io.BytesIO(response.content))
    headings = [
        p.text for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))
    ]
    assert "How often each value came up" in headings
    assert "Safety" in headings
    assert "Appendix: You said, we did" in headings
    table = document.tables[1]  # after the bar chart
    assert table.rows[0].cells[0].text == "Value"
    appendix = docx_text(response.content)
    assert "Say more about the venue." in appendix and "We added a sentence on venues." in appendix


def test_it_shows_the_easy_read_version_without_percentages(
    client: Client, world: PackWorld
) -> None:
    response = _get(client, world.peer, URLS["easy page"]("side-by-side"))
    body = response.content.decode()
    assert "Easy Read" in body and "easy-read" in body
    article = body[body.index('<article class="pack easy-read"') : body.index("</article>")]
    assert "%" not in article
    # Safety came up in all seven Side by Side interviews: said in words, with no figure.
    assert "Side by Side: it came up in every one of the interviews." in article


def test_it_lets_a_peer_researcher_publish_and_record_feedback(
    client: Client, world: PackWorld
) -> None:
    client.force_login(world.peer)
    response = client.post(reverse("findings_publish", args=["side-by-side"]), {"note": "For May"})
    version = PackVersion.objects.get()
    assert response.status_code == 302 and response["Location"] == version.get_absolute_url()
    assert version.note == "For May" and version.created_by == world.peer
    response = client.post(
        reverse("findings_feedback", args=["side-by-side", 1]),
        {
            "who": "Two participants from Side by Side",
            "received": "2026-05-02",
            "said": "It reads well.",
            "changed": "",
        },
    )
    assert response.status_code == 302
    assert PackFeedback.objects.get().who == "Two participants from Side by Side"
    page = client.get(version.get_absolute_url()).content.decode()
    assert "It reads well." in page
    listing = client.get(reverse("findings_pack", args=["side-by-side"])).content.decode()
    assert "Version 1</a>" in listing and "(1 feedback)" in listing


def test_it_names_the_field_when_feedback_is_incomplete(client: Client, world: PackWorld) -> None:
    pack_publish(project=world.side, projects=[world.side], actor=world.peer)
    client.force_login(world.peer)
    response = client.post(
        reverse("findings_feedback", args=["side-by-side", 1]),
        {"who": "", "received": "not a date", "said": "Keep what I typed, please."},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Who said it:" in body and f"When they told us: {DATE_NEEDED}" in body
    assert "Keep what I typed, please." in body  # nothing typed is lost
    assert not PackFeedback.objects.exists()


@pytest.mark.parametrize("scope", ["side-by-side", "all"])
def test_it_refuses_evaluators_publishing_and_feedback(
    client: Client, world: PackWorld, scope: str
) -> None:
    pack_publish(project=world.side, projects=[world.side], actor=world.peer)
    client.force_login(world.evaluator)
    assert client.post(reverse("findings_publish", args=[scope])).status_code == 403
    response = client.post(
        reverse("findings_feedback", args=["side-by-side", 1]),
        {"who": "x", "received": "2026-01-01", "said": "y"},
    )
    assert response.status_code == 403
    assert PackVersion.objects.count() == 1 and not PackFeedback.objects.exists()


def test_it_hides_an_all_projects_version_from_a_reader_missing_one_of_its_projects(
    client: Client, world: PackWorld
) -> None:
    pack_publish(project=None, projects=world.projects, actor=world.admin)
    world.peer.memberships.filter(project=world.maternal).delete()
    response = _get(client, world.peer, reverse("findings_version", args=["all", 1]))
    assert response.status_code == 404


def test_it_links_the_pack_from_the_project_and_comparison_pages(
    client: Client, world: PackWorld
) -> None:
    client.force_login(world.peer)
    project_page = client.get(reverse("project_detail", args=["side-by-side"])).content.decode()
    assert reverse("findings_pack", args=["side-by-side"]) in project_page
    compare_page = client.get(reverse("compare")).content.decode()
    assert reverse("findings_pack", args=["all"]) in compare_page


def test_it_reads_the_pack_page_in_a_constant_number_of_queries(
    client: Client, world: PackWorld, django_assert_max_num_queries: Any
) -> None:
    client.force_login(world.peer)
    url = reverse("findings_pack", args=["side-by-side"])
    pack_publish(project=world.side, projects=[world.side], actor=world.peer)
    client.get(url)
    with CaptureQueriesContext(connection) as one_version:
        client.get(url)
    for _ in range(4):
        version = pack_publish(project=world.side, projects=[world.side], actor=world.peer)
        pack_feedback_record(
            version=version, actor=world.peer, who="A member", received=TODAY, said="Fine."
        )
    with django_assert_max_num_queries(len(one_version)):
        assert client.get(url).status_code == 200


def test_it_records_what_the_team_changed_after_the_feedback(
    client: Client, world: PackWorld
) -> None:
    version = pack_publish(project=world.side, projects=[world.side], actor=world.peer)
    feedback = pack_feedback_record(
        version=version, actor=world.peer, who="A member", received=TODAY, said="Too long."
    )
    url = reverse("findings_feedback_answer", args=["side-by-side", 1, feedback.pk])
    client.force_login(world.evaluator)
    assert client.post(url, {"changed": "Shorter."}).status_code == 403
    client.force_login(world.peer)
    response = client.post(url, {"changed": "  "}, follow=True)
    assert CHANGED_MISSING in response.content.decode()
    client.post(url, {"changed": "We cut it to four pages."})
    feedback.refresh_from_db()
    assert feedback.changed == "We cut it to four pages."
    event = AuditEvent.objects.get(model="packfeedback", action="update")
    assert event.before == {"changed": ""} and event.after == {"changed": feedback.changed}
    second = pack_publish(project=world.side, projects=[world.side], actor=world.peer)
    assert second.content["feedback"][0]["changed"] == "We cut it to four pages."


def test_it_lets_a_peer_researcher_of_every_project_publish_the_pack_across_them(
    client: Client, world: PackWorld
) -> None:
    client.force_login(world.peer)
    response = client.post(reverse("findings_publish", args=["all"]))
    version = PackVersion.objects.get(project=None)
    assert response["Location"] == version.get_absolute_url()
    assert sorted(version.project_ids) == sorted(p.pk for p in world.projects)
    # An evaluator in one of the projects takes no part in the pack across them.
    world.peer.memberships.filter(project=world.maternal).update(role="evaluator")
    assert client.post(reverse("findings_publish", args=["all"])).status_code == 403
