"""The admin pages for REFI-QDA: upload, map codes, preview, confirm; downloads of exports."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from coding.interop.forms import WRONG_EXTENSION
from coding.models import AuditEvent, CodebookValue, Excerpt, Interview
from coding.uploads import uploads_root

from .conftest import make_excerpt, make_interview
from .refi_factories import CODE_NEW, CODE_SAFE, CPROCTOR, guid, qdpx, selection, simple_project


@pytest.fixture(autouse=True)
def _private_stash(tmp_path: Any, settings: Any) -> None:
    settings.UPLOADS_DIR = str(tmp_path / "uploads")


def upload(client: Client, project: Any, name: str, content: bytes) -> Any:
    return client.post(
        reverse("refi_home"),
        {"project": project.pk, "file": SimpleUploadedFile(name, content)},
    )


def small_file() -> bytes:
    text = "We felt safe and we belonged."
    at = text.index("we belonged")
    sels = selection(guid(1), 8, 12, CODE_SAFE) + selection(guid(2), at, at + 11, CODE_NEW)
    source = (
        f"<TextSource guid='{guid(50)}' name='Talk'>"
        f"<PlainTextContent>{text}</PlainTextContent>{sels}</TextSource>"
    )
    return qdpx(simple_project(source)).getvalue()


PAGES = [
    ("get", "refi_home", {}),
    ("get", "refi_mapping", {"token": "abc"}),
    ("post", "refi_export_all", {}),
    ("post", "refi_export_codebook", {}),
]


@pytest.mark.parametrize(("method", "name", "kwargs"), PAGES)
def test_it_sends_anonymous_visitors_to_login(
    client: Client, db: Any, method: str, name: str, kwargs: dict
) -> None:
    response = getattr(client, method)(reverse(name, kwargs=kwargs))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(("method", "name", "kwargs"), PAGES)
def test_it_forbids_people_who_are_not_admins(
    client: Client, peer: Any, method: str, name: str, kwargs: dict
) -> None:
    client.force_login(peer)
    assert getattr(client, method)(reverse(name, kwargs=kwargs)).status_code == 403


def test_it_shows_the_nav_item_to_admins_only(client: Client, admin_user: Any, peer: Any) -> None:
    client.force_login(peer)
    assert reverse("refi_home") not in client.get(reverse("home")).content.decode()
    client.force_login(admin_user)
    assert reverse("refi_home") in client.get(reverse("home")).content.decode()


def test_it_imports_after_mapping_and_confirming(
    client: Client, admin_user: Any, project: Any
) -> None:
    client.force_login(admin_user)
    response = upload(client, project, "talk.qdpx", small_file())
    assert response.status_code == 302
    mapping_url = response["Location"]
    page = client.get(mapping_url)
    html = page.content.decode()
    assert "Belonging" in html and "no value" in html
    assert Interview.objects.count() == 0  # nothing before confirming

    connection = CodebookValue.objects.get(slug="human-connection")
    choices = {
        "unmatched": "create",
        f"code-{CODE_NEW}": f"value:{connection.pk}",
        f"code-{CODE_SAFE}": "ignore",
    }
    preview = client.post(mapping_url, {**choices, "preview": "1"})
    assert preview.status_code == 200
    assert preview.context["report"].counts["codings_imported"] == 1
    assert Interview.objects.count() == 0

    done = client.post(mapping_url, {**choices, "confirm": "1"}, follow=True)
    assert done.status_code == 200
    assert "was imported into" in done.content.decode()
    excerpt = Excerpt.objects.get()
    assert (excerpt.text, list(excerpt.values.all())) == ("we belonged", [connection])
    assert excerpt.interview.import_batch is not None
    assert AuditEvent.objects.get(action=AuditEvent.Action.IMPORT).actor == admin_user
    # The upload is gone once imported.
    assert client.get(mapping_url).status_code == 404
    assert list(uploads_root().iterdir()) == []


def test_it_shows_the_counts_and_missing_sources_before_importing(
    client: Client, admin_user: Any, project: Any
) -> None:
    client.force_login(admin_user)
    mapping_url = upload(client, project, CPROCTOR.name, CPROCTOR.read_bytes())["Location"]
    report = client.get(mapping_url).context["report"]
    assert report.counts["codings_imported"] == 205
    assert len(report.codes) == 262


def test_it_refuses_a_bad_file_with_a_message_and_keeps_nothing(
    client: Client, admin_user: Any, project: Any
) -> None:
    client.force_login(admin_user)
    response = upload(client, project, "broken.qdpx", b"not a zip at all")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was imported" in html
    assert "broken.qdpx is not a REFI-QDA project (.qdpx): it is not a zip archive." in html
    assert list(uploads_root().iterdir()) == []


def test_it_refuses_files_of_other_kinds(client: Client, admin_user: Any, project: Any) -> None:
    client.force_login(admin_user)
    response = upload(client, project, "notes.docx", b"x")
    assert WRONG_EXTENSION in response.content.decode()


def test_it_keeps_one_admins_upload_from_another(
    client: Client, admin_user: Any, project: Any
) -> None:
    from .conftest import make_user

    client.force_login(admin_user)
    mapping_url = upload(client, project, "talk.qdpx", small_file())["Location"]
    other = Client()
    other.force_login(make_user("other-admin", staff=True))
    assert other.get(mapping_url).status_code == 404


def test_it_discards_an_upload(client: Client, admin_user: Any, project: Any) -> None:
    client.force_login(admin_user)
    mapping_url = upload(client, project, "talk.qdpx", small_file())["Location"]
    token = mapping_url.rstrip("/").rsplit("/", 1)[-1]
    client.post(reverse("refi_cancel", args=[token]))
    assert client.get(mapping_url).status_code == 404
    assert Interview.objects.count() == 0


def test_it_downloads_a_project_as_an_attachment_not_cached(
    client: Client, admin_user: Any, project: Any, peer: Any
) -> None:
    make_excerpt(make_interview(project), peer, 0, 11)
    client.force_login(admin_user)
    response = client.post(reverse("refi_export_project", args=[project.slug]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert ".qdpx" in response["Content-Disposition"]
    content = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert "project.qde" in archive.namelist()
    assert AuditEvent.objects.get(action=AuditEvent.Action.EXPORT).actor == admin_user


def test_it_downloads_the_codebook(client: Client, admin_user: Any, project: Any) -> None:
    client.force_login(admin_user)
    response = client.post(reverse("refi_export_project_codebook", args=[project.slug]))
    assert response["Cache-Control"] == "no-store"
    assert ".qdc" in response["Content-Disposition"]
    assert b"urn:QDA-XML:codebook:1.0" in b"".join(response.streaming_content)


def test_it_exports_only_by_post(client: Client, admin_user: Any, project: Any) -> None:
    client.force_login(admin_user)
    assert client.get(reverse("refi_export_project", args=[project.slug])).status_code == 405


def test_it_lists_the_import_among_the_batches(
    client: Client, admin_user: Any, project: Any
) -> None:
    from coding.interop.refi_import import refi_import
    from coding.models import ImportBatch

    with CPROCTOR.open("rb") as handle:
        refi_import(file=handle, filename=CPROCTOR.name, project=project, actor=admin_user)
    batch = ImportBatch.objects.get()
    assert (batch.source_name, batch.interview_count) == ("cproctor_demo.qdpx", 2)
    assert set(batch.interviews.values_list("title", flat=True)) == {
        "board_2017.txt",
        "admin-1.txt",
    }
    client.force_login(admin_user)
    page = client.get(reverse("import_detail", args=[batch.pk]))
    assert page.status_code == 200
    assert "board_2017.txt" in page.content.decode()


def test_it_keeps_the_mapping_form_within_djangos_field_limit(db: Any, monkeypatch: Any) -> None:
    from coding.interop import forms as refi_forms
    from coding.interop.report import CodeRow

    monkeypatch.setattr(refi_forms, "MAX_CODE_CHOICES", 2)
    rows = [
        CodeRow(guid(i), f"Code {i}", f"Code {i}", "", "#ffffff", 0, None, "", "") for i in range(5)
    ]
    form = refi_forms.RefiMappingForm(
        {"unmatched": "ignore", f"code-{guid(0)}": "create", f"code-{guid(4)}": "create"},
        rows=rows,
        values=[],
    )
    assert form.is_valid()
    assert len(form.fields) == 3  # "unmatched" and the first two codes
    assert form.unchoosable == 3
    assert form.mapping() == {guid(0): "create"}  # a choice past the limit is not taken


def test_it_agrees_each_count_of_the_report_with_its_noun() -> None:
    counts = dict.fromkeys(
        [
            "codes",
            "codes_matched",
            "codes_created",
            "codes_ignored",
            "sources",
            "interviews_created",
            "interviews_matched",
            "sources_missing",
            "selections",
            "excerpts_created",
            "codings",
            "codings_imported",
            "cases",
            "participants_created",
            "participants_matched",
            "participants_from_sources",
            "coders_matched",
            "coders_created",
            "memos",
            "excerpt_notes",
        ],
        1,
    )
    html = render_to_string(
        "coding/refi/_report.html", {"report": {"kind": "project", "counts": counts}}
    )
    text = " ".join(html.split())
    for said in (
        "1 new value,",
        "1 new interview,",
        "1 excerpt<",
        "1 new participant,",
        "1 participant named after sources",
        "1 new inactive account<",
        "1 memo,",
        "1 excerpt note<",
    ):
        assert said in text, said
