"""The admin import pages: upload, preview, confirm, batches, rollback, template."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from coding.importing import problems as msg
from coding.importing.forms import WRONG_UPLOAD_TYPE
from coding.models import ImportBatch, Interview
from coding.uploads import uploads_purge, uploads_root

from .conftest import make_excerpt
from .test_importing_pipeline import make_zip, two_rows


@pytest.fixture(autouse=True)
def _staging(settings: Any, tmp_path: Path) -> Path:
    settings.UPLOADS_DIR = str(tmp_path / "staging")
    return tmp_path / "staging"


def zip_upload(tmp_path: Path, files: dict[str, str | bytes] | None = None) -> SimpleUploadedFile:
    path = make_zip(tmp_path / "batch.zip", files or two_rows())
    return SimpleUploadedFile("spring batch.zip", path.read_bytes(), "application/zip")


def upload(client: Client, tmp_path: Path, **data: Any) -> Any:
    data.setdefault("batch", zip_upload(tmp_path))
    return client.post(reverse("import_new"), data)


def token_of(response: Any) -> str:
    return re.search(r"/preview/([^/]+)/", response["Location"]).group(1)


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("import_list", []),
        ("import_new", []),
        ("import_manifest_template", []),
        ("import_detail", [1]),
        ("import_rollback", [1]),
        ("import_preview", ["x" * 32]),
    ],
)
def test_it_is_for_admins_only(
    client: Client, peer: Any, evaluator: Any, name: str, args: list[Any]
) -> None:
    url = reverse(name, args=args)
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    for user in (peer, evaluator):
        client.force_login(user)
        assert client.get(url).status_code == 403


def test_it_shows_the_nav_link_to_admins_only(client: Client, admin_user: Any, peer: Any) -> None:
    client.force_login(peer)
    assert reverse("import_list") not in client.get(reverse("home")).content.decode()
    client.force_login(admin_user)
    assert reverse("import_list") in client.get(reverse("home")).content.decode()


def test_it_uploads_previews_and_confirms(
    client: Client, admin_user: Any, project: Any, tmp_path: Path, _staging: Path
) -> None:
    client.force_login(admin_user)
    response = upload(client, tmp_path, names="Hello=Greeting")
    assert response.status_code == 302
    token = token_of(response)
    staged = list(_staging.iterdir())
    assert [p.name for p in staged] == [token]
    assert not Interview.objects.exists()

    preview = client.get(response["Location"])
    html = preview.content.decode()
    assert preview.context["report"]["counts"]["ready"] == 2
    assert "2 interviews will be created" in html
    assert "a.txt" in html and "b.txt" in html and "Willow" in html and "Rowan" in html
    assert "Greeting" not in html and "Hello" not in html  # names are never shown back

    confirmed = client.post(reverse("import_confirm", args=[token]))
    batch = ImportBatch.objects.get()
    assert confirmed["Location"] == reverse("import_detail", args=[batch.pk])
    assert batch.source_name == "spring batch.zip" and batch.created_by == admin_user
    assert Interview.objects.filter(import_batch=batch).count() == 2
    assert Interview.objects.get(title="a").text.startswith("Interviewer: Greeting")
    assert not any(_staging.iterdir())  # the upload is gone once imported
    detail = client.get(confirmed["Location"]).content.decode()
    assert "Roll back this batch" in detail
    for interview in Interview.objects.all():
        assert interview.get_absolute_url() in detail
    # The uploaded file can no longer be confirmed twice.
    assert client.post(reverse("import_confirm", args=[token])).status_code == 404


def test_it_shows_errors_and_imports_nothing_until_fixed(
    client: Client, admin_user: Any, project: Any, tmp_path: Path
) -> None:
    files = two_rows()
    files["manifest.csv"] = files["manifest.csv"].replace("01/04/2024", "31/04/2024")
    client.force_login(admin_user)
    response = upload(client, tmp_path, batch=zip_upload(tmp_path, files))
    html = client.get(response["Location"]).content.decode()
    assert msg.INVALID_DATE.format(value="31/04/2024").replace("'", "&#x27;") in html
    assert "As it stands nothing will be imported" in html
    token = token_of(response)
    # Confirming without the box ticked imports nothing and shows the problems again.
    again = client.post(reverse("import_confirm", args=[token]))
    assert again.status_code == 200 and not Interview.objects.exists()
    # With the box ticked, the valid row is imported and the other reported.
    client.post(reverse("import_confirm", args=[token]), {"skip_invalid": "on"})
    batch = ImportBatch.objects.get()
    assert (batch.interview_count, batch.error_count) == (1, 1)


def test_it_refuses_a_harmful_zip_with_a_plain_message(
    client: Client, admin_user: Any, project: Any, tmp_path: Path
) -> None:
    files = two_rows()
    files["../outside.txt"] = "Participant: escaped"
    client.force_login(admin_user)
    response = upload(client, tmp_path, batch=zip_upload(tmp_path, files))
    preview = client.get(response["Location"])
    html = preview.content.decode()
    assert "This batch cannot be imported" in html
    assert "points outside the batch folder" in html
    assert "Import 2 interviews" not in html
    assert client.post(reverse("import_confirm", args=[token_of(response)])).status_code == 200
    assert not Interview.objects.exists()


def test_it_refuses_other_file_types_on_upload(client: Client, admin_user: Any) -> None:
    client.force_login(admin_user)
    bad = SimpleUploadedFile("notes.docx", b"PK", "application/octet-stream")
    response = client.post(reverse("import_new"), {"batch": bad})
    assert response.status_code == 200
    assert WRONG_UPLOAD_TYPE in response.content.decode()


def test_it_refuses_an_upload_over_the_size_limit(
    client: Client, admin_user: Any, settings: Any, tmp_path: Path
) -> None:
    settings.MAX_UPLOAD_SIZE = 100
    client.force_login(admin_user)
    response = upload(client, tmp_path)
    assert "more than the limit of 100 bytes" in response.content.decode()


def test_it_keeps_previews_private_to_their_uploader(
    client: Client, admin_user: Any, project: Any, tmp_path: Path
) -> None:
    from .conftest import make_user

    client.force_login(admin_user)
    token = token_of(upload(client, tmp_path))
    client.force_login(make_user("another-admin", staff=True))
    assert client.get(reverse("import_preview", args=[token])).status_code == 404
    assert client.post(reverse("import_confirm", args=[token])).status_code == 404


def test_it_discards_an_upload(
    client: Client, admin_user: Any, project: Any, tmp_path: Path, _staging: Path
) -> None:
    client.force_login(admin_user)
    token = token_of(upload(client, tmp_path))
    client.post(reverse("import_cancel", args=[token]))
    assert not any(_staging.iterdir()) and not Interview.objects.exists()


def test_it_removes_stale_uploads(settings: Any, tmp_path: Path) -> None:
    import os
    import time

    old = uploads_root() / "abandoned"
    old.mkdir()
    past = time.time() - settings.UPLOADS_MAX_AGE - 10
    os.utime(old, (past, past))
    uploads_purge()
    assert not old.exists()


def test_it_keeps_uploads_out_of_served_folders(settings: Any) -> None:
    settings.UPLOADS_DIR = ""
    root = uploads_root().resolve()
    for served in (settings.STATIC_ROOT, settings.BASE_DIR / "static"):
        assert not root.is_relative_to(Path(served).resolve())


def test_it_lists_batches_and_rolls_one_back(
    client: Client, admin_user: Any, project: Any, tmp_path: Path
) -> None:
    from coding.importing import batch_import

    report = batch_import(path=make_zip(tmp_path / "b.zip", two_rows()), user=admin_user)
    client.force_login(admin_user)
    listing = client.get(reverse("import_list")).content.decode()
    assert "b.zip" in listing
    url = reverse("import_rollback", args=[report.batch.pk])
    assert "Yes, roll back this batch" in client.get(url).content.decode()
    response = client.post(url, follow=True)
    html = response.content.decode()
    assert "Batch rolled back: 2 interviews removed." in html
    assert not Interview.objects.exists()
    # The report stays, without links to the interviews that are gone.
    assert "a.txt" in html and "/interviews/" not in html


def test_it_will_not_roll_back_coded_work(
    client: Client, admin_user: Any, peer: Any, project: Any, tmp_path: Path
) -> None:
    from coding.importing import batch_import

    report = batch_import(path=make_zip(tmp_path / "b.zip", two_rows()), user=admin_user)
    make_excerpt(Interview.objects.first(), peer, 0, 5)
    client.force_login(admin_user)
    url = reverse("import_rollback", args=[report.batch.pk])
    assert "cannot be rolled back" in client.get(url).content.decode()
    response = client.post(url, follow=True)
    assert msg.BATCH_HAS_CODING.format(count=1) in response.content.decode()
    assert Interview.objects.count() == 2


def test_it_offers_the_manifest_template(client: Client, admin_user: Any) -> None:
    client.force_login(admin_user)
    response = client.get(reverse("import_manifest_template"))
    assert response["Content-Disposition"] == 'attachment; filename="manifest-template.csv"'
    header = io.StringIO(response.content.decode()).readline().strip()
    assert header.startswith("file,project,participant,participant_role,interview_date")


def test_it_lists_batches_in_constant_queries(
    client: Client, admin_user: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(5):
        ImportBatch.objects.create(source_name=f"b{n}.zip", created_by=admin_user)
    client.force_login(admin_user)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("import_list")).status_code == 200


def test_it_links_batches_in_django_admin_to_their_report(client: Client, admin_user: Any) -> None:
    batch = ImportBatch.objects.create(source_name="b.zip", created_by=admin_user)
    client.force_login(admin_user)
    html = client.get(reverse("admin:coding_importbatch_changelist")).content.decode()
    assert reverse("import_detail", args=[batch.pk]) in html
