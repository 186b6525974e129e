"""The REFI-QDA pages in a real Chromium: upload, map a code, preview, import, download."""

from __future__ import annotations

from typing import Any

import pytest

from coding.models import CodebookValue, Excerpt

from ..refi_factories import CPROCTOR
from .conftest import run_axe

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _private_stash(tmp_path: Any, settings: Any) -> None:
    settings.UPLOADS_DIR = str(tmp_path / "uploads")


def test_it_imports_a_file_after_mapping_a_code(
    signed_in: Any, admin_user: Any, project: Any
) -> None:
    page = signed_in(admin_user)
    page.goto("/manage/refi/")
    assert run_axe(page) == []
    page.select_option("#id_project", label=project.name)
    page.set_input_files("#id_file", str(CPROCTOR))
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_selector("#codes-heading")
    assert "205 imported" in page.inner_text("#preview-heading + p + dl")
    assert run_axe(page) == []

    connection = CodebookValue.objects.get(slug="human-connection")
    page.get_by_label(
        "What to do with the code rq2_curriculum_and_instruction › pedagogy › fun"
    ).select_option(f"value:{connection.pk}")
    page.get_by_role("button", name="Update the preview").click()
    page.wait_for_selector("#codes-heading")
    assert "1 coded with existing values" in page.inner_text("#preview-heading + p + dl")
    assert Excerpt.objects.count() == 0

    page.get_by_role("button", name="Import now").click()
    page.wait_for_selector("text=was imported into")
    assert Excerpt.objects.filter(interview__project=project).count() == 158
    assert Excerpt.objects.filter(values=connection).exists()
    assert page.js_errors == []


def test_it_shows_why_a_file_is_refused(
    signed_in: Any, admin_user: Any, project: Any, tmp_path: Any
) -> None:
    broken = tmp_path / "broken.qdpx"
    broken.write_bytes(b"not a zip")
    page = signed_in(admin_user)
    page.goto("/manage/refi/")
    page.set_input_files("#id_file", str(broken))
    page.get_by_role("button", name="Check the file").click()
    alert = page.get_by_role("alert")
    assert "Nothing was imported" in alert.inner_text()
    assert "it is not a zip archive" in alert.inner_text()


def test_it_downloads_a_project(signed_in: Any, admin_user: Any, project: Any) -> None:
    page = signed_in(admin_user)
    page.goto("/manage/refi/")
    with page.expect_download() as download:
        page.get_by_role("button", name=f"Download .qdpx of {project.name}").click()
    assert download.value.suggested_filename.endswith(".qdpx")
