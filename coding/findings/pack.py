"""The findings pack: what the team found, as plain data for a page, a `.docx` or a snapshot.

`pack_build` asks the comparison's own code for every figure (prevalence with its Wilson
interval, the interview-level tests after Holm) and the disclosure policy for what the reader
may see, then says it in words (`pack_wording`). It returns a JSON-ready dict, so a published
version can keep it as it was. Quotes are kept as references (excerpt and value ids) and looked
up through `publishable_quotes` each time the pack is shown (`pack_with_quotes`): only approved
quotes of consenting participants ever pass, and a withdrawn participant's words are gone from
every version the moment their excerpts are.
"""

from __future__ import annotations

import copy
from itertools import zip_longest
from typing import Any

from django.db.models import Count
from django.utils.timezone import now

from ..analysis import charts, disclosure, inference
from ..analysis.comparison import Comparison, comparison_build, short_name
from ..analysis.filters import RULE_ALL, Filters
from ..analysis.measures import MEASURE_PREVALENCE
from ..models import CodebookVersion, ResearchProject
from ..versions import current_version
from . import pack_wording as words
from .pack_models import ALL_PROJECTS, PackFeedback, PackVersion
from .quotes import publishable_quotes

QUOTES_PER_VALUE = 3
# Enough to find every quote a stored version refers to, whatever was approved since.
QUOTES_LOOKUP_LIMIT = 1_000
FORMAT = 1

TITLE_ONE = "What we found: {name}"
TITLE_ALL = "What we found across the projects"
TOO_FEW_INTERVIEWS = "too few interviews to show"
CHART_TITLE = "How often each value came up, by project"
CHART_ALT = (
    "A bar chart of how often each value came up in each project: each bar is the share of "
    "interviews, and the thin line on it shows the range we are fairly sure of. The same "
    "figures are in the table below the chart."
)
METHOD = (
    "How we counted: each interview counts once, however often a value came up in it. Where "
    "two people coded the same interview, it counts by the share of them who saw the value. "
    "“Fairly sure” means a 95% interval (Wilson's method)."
)
PUBLIC_NOTE = (
    "This pack is made to be shared: figures that rest on fewer than {threshold} interviews "
    "are hidden so that nobody can be recognised."
)
NO_QUOTES = (
    "No quotes are shown for this value: none has been approved by its speaker and the team."
)


def pack_build(
    projects: list[ResearchProject], *, viewer: Any = None, scope: str = ALL_PROJECTS
) -> dict[str, Any]:
    """The pack for these projects as `viewer` may see it (None: as it may be shared, with
    disclosure control for every project)."""
    ids = tuple(p.pk for p in projects)
    masked = frozenset(ids) if viewer is None else disclosure.masked_projects(viewer, ids)
    threshold = disclosure.threshold()
    filters = Filters(project_ids=ids, rule=RULE_ALL, description="whole projects")
    comparison = comparison_build(
        filters, MEASURE_PREVALENCE, masked_project_ids=masked, threshold=threshold
    )
    definitions, codebook = _codebook(projects)
    hidden_cells = sorted(
        [cell.column.project_id, value.id]
        for value, cells in comparison.rows
        for cell in cells
        if cell.suppressed
    )
    excluded = sorted(c.project_id for c in comparison.columns if c.hidden)
    values = [
        _value(comparison, value, cells, definitions[value.guid])
        for value, cells in comparison.rows
        if value.guid in definitions
    ]
    _choose_quotes(values, ids, excluded, {tuple(c) for c in hidden_cells})
    single = len(projects) == 1
    return {
        "format": FORMAT,
        "scope": scope,
        "title": TITLE_ONE.format(name=projects[0].name) if single else TITLE_ALL,
        "built": now().isoformat(),
        "single": single,
        "shared_view": viewer is None,
        "projects": [
            {
                "id": c.project_id,
                "name": c.project_name,
                "short": c.short,
                "interviews": c.interviews,
                "interviews_text": c.interviews_text,
                "interviews_words": TOO_FEW_INTERVIEWS
                if c.hidden
                else f"{c.interviews_text} interviews",
                "hidden": c.hidden,
            }
            for c in comparison.columns
        ],
        "values": values,
        "codebook": codebook,
        "differences_rule": words.ONE_PROJECT if single else words.DIFFERENCES_RULE,
        "method": [METHOD],
        "hidden_note": comparison.hidden_sentence if comparison.has_hidden else "",
        "public_note": PUBLIC_NOTE.format(threshold=threshold) if viewer is None else "",
        "excluded_project_ids": excluded,
        "hidden_cells": hidden_cells,
        "chart_svg": ""
        if comparison.is_empty
        else charts.bar_chart_svg(comparison, title=CHART_TITLE, description=CHART_ALT),
        "chart_alt": CHART_ALT,
        "empty": comparison.is_empty,
        "version": None,
        "feedback": [],
    }


def _codebook(projects: list[ResearchProject]) -> tuple[dict[str, dict], list[dict[str, Any]]]:
    """Each value's current wording (by guid) and each project's codebook history."""
    definitions: dict[str, dict] = {}
    history: list[dict[str, Any]] = []
    versions = CodebookVersion.objects.filter(project__in=projects).order_by("project", "number")
    by_project: dict[int, list[CodebookVersion]] = {}
    for version in versions:
        by_project.setdefault(version.project_id, []).append(version)
    for project in projects:
        latest = current_version(project)
        for row in latest.snapshot:
            definitions.setdefault(row["guid"], row)
        history.append(
            {
                "project": project.name,
                "short": short_name(project.name),
                "current": latest.number,
                "changes": [
                    {
                        "number": v.number,
                        "date": v.created.date().isoformat(),
                        "summary": v.summary,
                        "reason": v.reason,
                    }
                    for v in by_project.get(project.pk, [])
                    if v.number > 1
                ],
            }
        )
    return definitions, history


def _value(comparison: Comparison, value: Any, cells: list[Any], row: dict) -> dict[str, Any]:
    shares = []
    for cell in cells:
        share: dict[str, Any] = {
            "project_id": cell.column.project_id,
            "project": cell.column.short,
            "applies": cell.applies,
            "hidden": cell.suppressed or cell.column.hidden,
            "percent": None,
        }
        if cell.applies and not share["hidden"] and cell.number is not None:
            share.update(
                share=cell.number,
                percent=round(cell.number * 100),
                low=cell.ci_low,
                high=cell.ci_high,
                interviews=cell.column.interviews,
                words=words.share_words(cell.number),
                interval=words.interval_words(cell.ci_low, cell.ci_high),
                sentence=words.prevalence_sentence(
                    value.name, cell.column.short, cell.number, cell.ci_low, cell.ci_high
                ),
                easy=words.easy_share(cell.number),
            )
        elif share["hidden"]:
            share["sentence"] = f"{cell.column.short}: {words.NO_FIGURE}"
        shares.append(share)
    differences, note = _differences(comparison, value, cells)
    return {
        "id": value.id,
        "name": row.get("name") or value.name,
        "short_definition": row.get("short_definition", ""),
        "definition": row.get("definition", ""),
        "colour": value.colour,
        "own_project": value.project_short,
        "shares": shares,
        "differences": differences,
        "difference_note": note,
        "quotes": [],
    }


def _differences(comparison: Comparison, value: Any, cells: list[Any]) -> tuple[list[str], str]:
    """What the interview-level test supports (after Holm), said plainly; else why not."""
    shown = [c for c in cells if c.applies and not c.suppressed and c.number is not None]
    if len(comparison.columns) < 2:
        return [], ""
    if sum(1 for c in cells if c.applies) < 2:
        return [], words.ONE_CODEBOOK.format(value=value.name, project=value.project_short)
    if len(shown) < 2:
        return [], words.TOO_FEW_SHOWN.format(value=value.name)
    test = comparison.row_tests.get(value.id)
    if test is None or test.p_adjusted >= inference.ALPHA:
        return [], words.NO_DIFFERENCE.format(value=value.name)
    labels = {c.column.key: c.column.short for c in cells}
    found = [
        words.more_often(
            value.name,
            labels[row["a"]] if row["diff"] > 0 else labels[row["b"]],
            labels[row["b"]] if row["diff"] > 0 else labels[row["a"]],
        )
        for row in comparison.pairwise
        if row["v_id"] == value.id and row["differs"]
    ]
    if not found:
        found = [words.stands_out(value.name, c.column.short, c.mark) for c in shown if c.mark]
    if not found:
        return [], words.NO_DIFFERENCE.format(value=value.name)
    return found, ""


def _choose_quotes(
    values: list[dict[str, Any]],
    project_ids: tuple[int, ...],
    excluded: list[int],
    hidden_cells: set[tuple[int, int]],
) -> None:
    """Two or three approved quotes per value, never from a figure the reader may not see.

    Across projects the quotes take turns by project (oldest approval first within each), so
    one project's voices do not fill every value; the same words are never shown twice.
    """
    quotes = publishable_quotes(
        project_ids, per_value=QUOTES_LOOKUP_LIMIT, exclude_project_ids=excluded
    )
    for value in values:
        by_project: dict[int, list[Any]] = {}
        for quote in quotes.get(value["id"], []):
            if (quote.project_id, quote.value_id) not in hidden_cells:
                by_project.setdefault(quote.project_id, []).append(quote)
        chosen: list[Any] = []
        texts: set[str] = set()
        for turn in zip_longest(*by_project.values()):
            for quote in turn:
                if quote is not None and quote.text not in texts:
                    chosen.append(quote)
                    texts.add(quote.text)
        value["quotes"] = [
            {"excerpt_id": q.excerpt_id, "value_id": q.value_id, "project_id": q.project_id}
            for q in chosen[:QUOTES_PER_VALUE]
        ]


def pack_with_quotes(content: dict[str, Any]) -> dict[str, Any]:
    """A copy of the content with each quote's text, caption and attribution looked up again.

    A quote that is no longer publishable (consent changed, withdrawn, declined, excerpt gone)
    drops out, even from an old version.
    """
    pack = copy.deepcopy(content)
    pack["no_quotes"] = NO_QUOTES
    ids = [p["id"] for p in pack.get("projects", [])]
    found = publishable_quotes(
        ids,
        per_value=QUOTES_LOOKUP_LIMIT,
        exclude_project_ids=pack.get("excluded_project_ids", []),
    )
    hidden = {tuple(c) for c in pack.get("hidden_cells", [])}
    names = {p["id"]: p["short"] for p in pack.get("projects", [])}
    for value in pack.get("values", []):
        by_excerpt = {q.excerpt_id: q for q in found.get(value["id"], [])}
        resolved = []
        for ref in value.get("quotes", []):
            quote = by_excerpt.get(ref["excerpt_id"])
            if quote is None or (quote.project_id, quote.value_id) in hidden:
                continue
            resolved.append(
                {
                    "text": quote.text,
                    "caption": quote.caption,
                    "attribution": quote.attribution,
                    "project": names.get(quote.project_id, ""),
                }
            )
        value["quotes"] = resolved
    return pack


def pack_feedback(project: ResearchProject | None, before: int | None = None) -> list[dict]:
    """'You said, we did': feedback on the scope's versions (those before `before`)."""
    rows = PackFeedback.objects.filter(version__project=project).select_related("version")
    if before is not None:
        rows = rows.filter(version__number__lt=before)
    return [
        {
            "version": f.version.number,
            "who": f.who,
            "received": f.received.isoformat(),
            "said": f.said,
            "changed": f.changed,
        }
        for f in rows.order_by("version__number", "received", "pk")
    ]


def pack_versions(project: ResearchProject | None) -> list[PackVersion]:
    return list(
        PackVersion.objects.filter(project=project)
        .select_related("created_by", "project")
        .annotate(feedback_count=Count("feedback"))
        .order_by("-number")
    )
