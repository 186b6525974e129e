"""The comparison of values across projects: page, drill-down, co-occurrence, agreement, files.

Every page spans the projects the reader may see (`visible_projects`); the filters live in the
URL so that a view can be shared. Evaluators see small counts as "<5" where figures describe
groups of participants.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.timezone import now

from .. import exports
from ..access import EVALUATOR, NOT_YOUR_PROJECT, is_admin
from ..agreement import agreement_report
from ..analysis import charts
from ..analysis.comparison import Comparison, comparison_build, scope_values
from ..analysis.filters import Filters, group_expression
from ..analysis.measures import MEASURES
from ..analysis.queries import cooccurrence_rows, kept_tags
from ..audit import audit_record
from ..compare_forms import UNITS, AgreementForm, ComparisonForm
from ..models import AuditEvent, Membership

CELL_PAGE_SIZE = 50
CHART_KINDS = ("bars", "heatmap")


def masked_projects(user: Any, project_ids: tuple[int, ...]) -> frozenset[int]:
    """Projects in which this reader is an evaluator: their small counts are hidden."""
    if is_admin(user):
        return frozenset()
    return frozenset(
        Membership.objects.filter(
            user=user, role=EVALUATOR, project_id__in=project_ids
        ).values_list("project_id", flat=True)
    )


def _comparison(request: HttpRequest, form: ComparisonForm, **kwargs: Any) -> Comparison:
    filters = form.filters()
    return comparison_build(
        filters,
        form.measure_choice(),
        masked_project_ids=masked_projects(request.user, filters.project_ids),
        threshold=settings.DISCLOSURE_THRESHOLD,
        **kwargs,
    )


@login_required
def compare(request: HttpRequest) -> HttpResponse:
    form = ComparisonForm(request.GET or None, user=request.user)
    comparison = _comparison(request, form)
    query = form.query_string()
    return render(
        request,
        "coding/compare/compare.html",
        {
            "form": form,
            "comparison": comparison,
            "query": query,
            "measures": [
                (name, label, help_text, form.query_string(measure=name))
                for name, (label, help_text) in MEASURES.items()
            ],
            "bar_svg": mark_safe(charts.bar_chart_svg(comparison)),
            "heatmap_svg": mark_safe(charts.heatmap_svg(comparison)),
            "value_names": {v.id: v.name for v in comparison.values},
        },
    )


@login_required
def compare_chart(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in CHART_KINDS:
        raise Http404("No such chart.")
    form = ComparisonForm(request.GET or None, user=request.user)
    comparison = _comparison(request, form)
    draw = charts.bar_chart_svg if kind == "bars" else charts.heatmap_svg
    response = HttpResponse(draw(comparison), content_type="image/svg+xml; charset=utf-8")
    name = f"peer-values-{kind}-{comparison.measure}-{now():%Y%m%d}.svg"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def compare_cell(request: HttpRequest) -> HttpResponse:
    """The excerpts behind one cell of the comparison (a value in a project column)."""
    form = ComparisonForm(request.GET or None, user=request.user)
    filters = form.filters()
    project_id, _, group = request.GET.get("column", "").partition(":")
    if not project_id.isdigit() or int(project_id) not in filters.project_ids:
        raise Http404(NOT_YOUR_PROJECT)
    values = {str(v.id): v for v in scope_values(filters.project_ids)}
    value = values.get(request.GET.get("value", ""))
    if value is None or value.project_id not in (None, int(project_id)):
        raise Http404("No such value in this project.")
    tags = kept_tags(filters).filter(
        value_id=value.id, excerpt__interview__project_id=int(project_id)
    )
    if filters.breakdown:
        tags = tags.alias(cell_group=group_expression(filters)).filter(cell_group=group or None)
    tags = tags.select_related(
        "excerpt__interview__participant", "excerpt__interview__project", "excerpt__coder"
    ).order_by("excerpt__interview_id", "excerpt__start", "excerpt_id")
    page = Paginator(tags, CELL_PAGE_SIZE).get_page(request.GET.get("page"))
    project = next(p for p in form.projects if p.pk == int(project_id))
    return render(
        request,
        "coding/compare/cell.html",
        {
            "form": form,
            "filters": filters,
            "value": value,
            "project": project,
            "group": group,
            "page": page,
            "query": form.query_string(),
            "cell_query": form.query_string(
                value=str(value.id), column=request.GET.get("column", "")
            ),
        },
    )


@login_required
def compare_cooccurrence(request: HttpRequest) -> HttpResponse:
    form = ComparisonForm(request.GET or None, user=request.user)
    filters = form.filters()
    matrices = cooccurrence_matrices(filters)
    masked = masked_projects(request.user, filters.project_ids)
    threshold = settings.DISCLOSURE_THRESHOLD
    for item in matrices:
        if filters.touches_participants and item["project"].pk in masked:
            # Small counts of participant groups are hidden from evaluators, as on the table.
            item["matrix"] = [[None if 0 < x < threshold else x for x in r] for r in item["matrix"]]
        item["rows"] = [
            (v, [f"<{threshold}" if x is None else f"{x:,.0f}" for x in r])
            for v, r in zip(item["values"], item["matrix"], strict=True)
        ]
        item["svg"] = mark_safe(
            charts.matrix_svg(
                f"Value co-occurrence in {item['project'].name}",
                [v.name for v in item["values"]],
                [v.colour for v in item["values"]],
                item["matrix"],
            )
        )
    if request.GET.get("download") and matrices:
        wanted = request.GET["download"]
        chosen = next((m for m in matrices if m["project"].slug == wanted), None)
        if chosen is None:
            raise Http404(NOT_YOUR_PROJECT)
        response = HttpResponse(str(chosen["svg"]), content_type="image/svg+xml; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="peer-values-cooccurrence-{chosen["project"].slug}.svg"'
        )
        response["Cache-Control"] = "no-store"
        return response
    return render(
        request,
        "coding/compare/cooccurrence.html",
        {"form": form, "filters": filters, "matrices": matrices, "query": form.query_string()},
    )


def cooccurrence_matrices(filters: Filters) -> list[dict[str, Any]]:
    """One square matrix of value pairs per project (diagonal: the value's own tags)."""
    rows = cooccurrence_rows(filters)
    values = scope_values(filters.project_ids)
    form_projects = {p.pk: p for p in _projects(filters)}
    out = []
    for project_id, project in form_projects.items():
        own = [v for v in values if v.project_id in (None, project_id)]
        index = {v.id: i for i, v in enumerate(own)}
        matrix: list[list[float | None]] = [[0.0] * len(own) for _ in own]
        for row in rows:
            if row["p_id"] != project_id:
                continue
            i, j = index[row["v1"]], index[row["v2"]]
            matrix[i][j] = matrix[j][i] = float(row["n"])
        out.append({"project": project, "values": own, "matrix": matrix})
    return out


def _projects(filters: Filters) -> list[Any]:
    from ..models import ResearchProject

    return list(ResearchProject.objects.filter(pk__in=filters.project_ids).order_by("name"))


@login_required
def compare_agreement(request: HttpRequest) -> HttpResponse:
    form = AgreementForm(request.GET or None, user=request.user)
    filters = form.filters()
    report = agreement_report(filters, form.unit_choice())
    names = {v.pk: v.name for v in report.values}
    return render(
        request,
        "coding/compare/agreement.html",
        {
            "form": form,
            "report": report,
            "units": UNITS,
            "unit": form.unit_choice(),
            "value_names": names,
            "query": form.query_string(),
            "pair_labels": [
                (pair, f"{report.coders.get(pair[0])} & {report.coders.get(pair[1])}")
                for pair in report.pairs
            ],
        },
    )


@login_required
def compare_export(request: HttpRequest, what: str, fmt: str) -> HttpResponse:
    if fmt not in exports.FORMATS or what not in ("table", "excerpts"):
        raise Http404("No such export.")
    form = ComparisonForm(request.GET or None, user=request.user)
    filters = form.filters()
    if what == "table":
        comparison = _comparison(request, form, with_chars=True)
        header, rows = exports.TABLE_HEADER, exports.table_rows(comparison)
        sheets = exports.table_sheets(comparison)
    else:
        header, rows = exports.EXCERPT_HEADER, exports.excerpt_rows(filters)
        sheets = exports.excerpt_sheets(filters)
    audit_record(
        actor=request.user,
        action=AuditEvent.Action.EXPORT,
        model="comparison" if what == "table" else "excerpt",
        object_repr=f"{what} as {fmt.upper()}",
        project_id=filters.project_ids[0] if len(filters.project_ids) == 1 else None,
        after={
            "export": what,
            "format": fmt,
            "filters": filters.description,
            "coder_rule": filters.rule,
            "project_ids": list(filters.project_ids),
        },
    )
    filename = f"peer-values-{what}-{slugify(filters.rule)}-{now():%Y%m%d-%H%M}.{fmt}"
    if fmt == exports.CSV:
        response: HttpResponse = StreamingHttpResponse(
            exports.csv_lines(header, rows), content_type=exports.FORMATS[fmt]
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    else:
        response = FileResponse(
            exports.xlsx_file(sheets),
            as_attachment=True,
            filename=filename,
            content_type=exports.FORMATS[fmt],
        )
    response["Cache-Control"] = "no-store"
    return response
