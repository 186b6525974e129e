"""CSV and XLSX exports of the comparison table and the excerpts, from the page and commands."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from coding.analysis.exports import EXCERPT_HEADER, TABLE_HEADER, neutralise
from coding.analysis.measures import PAGE_MEASURE
from coding.models import AuditEvent, CodebookValue

from .conftest import make_excerpt, make_interview


@pytest.fixture
def coded(project: Any, peer: Any, peer2: Any) -> dict[str, Any]:
    interview = make_interview(
        project, 'Participant: =HYPERLINK("x") felt safe. -1 or @me', pseudonym="Willow"
    )
    first = make_excerpt(interview, peer, 13, 29, "safety", "human-connection")
    second = make_excerpt(interview, peer2, 13, 29, "safety")
    return {"interview": interview, "first": first, "second": second}


def read_csv(response: Any) -> list[list[str]]:
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_it_neutralises_formulas(text: str) -> None:
    assert neutralise(text) == "'" + text
    assert neutralise("safe") == "safe"
    assert neutralise(-1) == -1


def test_it_exports_excerpts_as_csv_one_row_per_value(
    client: Client, peer: Any, coded: Any
) -> None:
    client.force_login(peer)
    response = client.get(reverse("compare_export", args=["excerpts", "csv"]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response["Cache-Control"] == "no-store"
    rows = read_csv(response)
    assert rows[0] == EXCERPT_HEADER
    assert rows[0][:12] == [
        "excerpt_id",
        "project",
        "interview_id",
        "participant",
        "participant_role",
        "mode",
        "coder",
        "value",
        "start",
        "end",
        "text",
        "created",
    ]
    body = rows[1:]
    assert len(body) == 3
    assert sorted(r[7] for r in body) == ["Human connection", "Safety", "Safety"]
    first = next(r for r in body if r[0] == str(coded["first"].pk) and r[7] == "Safety")
    assert first[3:8] == ["Willow", "participant", "in_person", "pat-peer", "Safety"]
    assert first[10] == '\'=HYPERLINK("x") '
    assert "All coders, averaged" in first[12]
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.actor == peer and event.after["export"] == "excerpts"


def test_it_applies_the_coder_rule_to_the_excerpts(client: Client, peer: Any, coded: Any) -> None:
    client.force_login(peer)
    response = client.get(reverse("compare_export", args=["excerpts", "csv"]), {"rule": "agreed"})
    body = read_csv(response)[1:]
    assert sorted(r[7] for r in body) == ["Safety", "Safety"]
    assert all(r[12].startswith("Agreed only") for r in body)


def test_it_exports_the_comparison_table_with_filters_and_rule(
    client: Client, peer: Any, coded: Any
) -> None:
    client.force_login(peer)
    response = client.get(
        reverse("compare_export", args=["table", "csv"]), {"rule": "one", "mode": "in_person"}
    )
    rows = read_csv(response)
    assert rows[0] == TABLE_HEADER
    safety = next(r for r in rows[1:] if r[2] == "Safety")
    assert safety[4] == "1"  # interviews coded
    assert safety[5] == "1"  # excerpts, first coder only
    assert float(safety[8]) == 1.0  # prevalence
    assert safety[TABLE_HEADER.index("coder_rule")].startswith("One coder per interview")
    assert "interview mode: In person" in safety[TABLE_HEADER.index("filters")]


def test_it_exports_xlsx_with_an_about_sheet(client: Client, peer: Any, coded: Any) -> None:
    client.force_login(peer)
    for what in ("table", "excerpts"):
        response = client.get(reverse("compare_export", args=[what, "xlsx"]), {"rule": "agreed"})
        assert response["Cache-Control"] == "no-store"
        assert response["Content-Disposition"].startswith("attachment")
        workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        sheet = workbook.worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
        assert list(rows[0]) == (TABLE_HEADER if what == "table" else EXCERPT_HEADER)
        about = dict(workbook["About"].iter_rows(values_only=True))
        assert about["coder_rule"].startswith("Agreed only")
        if what == "excerpts":
            assert rows[1][10] == '\'=HYPERLINK("x") '
            assert sheet.cell(row=2, column=11).data_type == "s"


def test_it_exports_nothing_an_outsider_cannot_read(
    client: Client, outsider: Any, coded: Any
) -> None:
    client.force_login(outsider)
    rows = read_csv(client.get(reverse("compare_export", args=["excerpts", "csv"])))
    assert rows == [EXCERPT_HEADER]
    assert client.get(reverse("compare_export", args=["excerpts", "pdf"])).status_code == 404


def test_it_hides_small_counts_in_an_evaluators_breakdown_export(
    client: Client, evaluator: Any, coded: Any
) -> None:
    client.force_login(evaluator)
    rows = read_csv(
        client.get(reverse("compare_export", args=["table", "csv"]), {"breakdown": "role"})
    )
    safety = next(r for r in rows[1:] if r[2] == "Safety")
    assert safety[4] == "hidden" and safety[5] == "hidden"


def test_it_gives_the_same_files_from_the_commands(
    client: Client, peer: Any, coded: Any, project: Any, tmp_path: Path
) -> None:
    out = io.StringIO()
    call_command("export_excerpts", "--format", "csv", "--rule", "agreed", stdout=out)
    command_rows = list(csv.reader(io.StringIO(out.getvalue().lstrip("\ufeff"))))
    client.force_login(peer)
    page_rows = read_csv(
        client.get(reverse("compare_export", args=["excerpts", "csv"]), {"rule": "agreed"})
    )
    assert [r[:12] for r in command_rows] == [r[:12] for r in page_rows]

    target = tmp_path / "table.xlsx"
    call_command(
        "export_comparison",
        "--format",
        "xlsx",
        "--output",
        str(target),
        "--project",
        project.slug,
        "--mode",
        "in_person",
    )
    sheet = load_workbook(target).worksheets[0]
    assert [c.value for c in sheet[1]] == TABLE_HEADER
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, actor=None).count() == 2


def test_it_rejects_bad_command_filters(db: Any) -> None:
    with pytest.raises(CommandError, match="--mode"):
        call_command("export_comparison", "--mode", "fax")
    with pytest.raises(CommandError, match="--output"):
        call_command("export_excerpts", "--format", "xlsx")


def test_it_exports_xlsx_whatever_characters_the_stored_text_holds(
    client: Client, peer: Any, coded: Any
) -> None:
    # Names and transcripts can arrive with control characters (pasted, imported, old data).
    CodebookValue.objects.filter(slug="safety").update(name="Safe\x07ty\x1b")
    client.force_login(peer)
    for what in ("table", "excerpts"):
        response = client.get(reverse("compare_export", args=[what, "xlsx"]), {"rule": "all"})
        assert response.status_code == 200
        workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        cells = {c for row in workbook.worksheets[0].iter_rows(values_only=True) for c in row}
        assert "Safety" in cells


def test_it_names_the_measure_its_marks_belong_to(client: Client, peer: Any, coded: Any) -> None:
    client.force_login(peer)
    column = TABLE_HEADER.index("stands_out_measure")
    page = client.get(reverse("compare"))
    default = read_csv(client.get(reverse("compare_export", args=["table", "csv"])))
    # Without a measure the file's marks are those of the page's default measure.
    assert page.context["comparison"].measure == PAGE_MEASURE == "per_interview"
    assert {r[column] for r in default[1:]} == {PAGE_MEASURE}
    chosen = read_csv(
        client.get(reverse("compare_export", args=["table", "csv"]), {"measure": "prevalence"})
    )
    assert {r[column] for r in chosen[1:]} == {"prevalence"}
    xlsx = client.get(reverse("compare_export", args=["table", "xlsx"]))
    workbook = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    assert dict(workbook["About"].iter_rows(values_only=True))["stands_out_measure"] == (
        "Excerpts per interview"
    )


def test_it_marks_the_page_default_measure_from_the_command(coded: Any) -> None:
    column = TABLE_HEADER.index("stands_out_measure")
    for args, measure in (((), PAGE_MEASURE), (("--measure", "coverage"), "coverage")):
        out = io.StringIO()
        call_command("export_comparison", *args, stdout=out)
        rows = list(csv.reader(io.StringIO(out.getvalue().lstrip("\ufeff"))))
        assert rows[1:] and {r[column] for r in rows[1:]} == {measure}
