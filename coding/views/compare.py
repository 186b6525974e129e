"""The comparison of values across projects: page, drill-down, co-occurrence, agreement, files.

Every page spans the projects the reader may see (`visible_projects`); the filters live in the
URL so that a view can be shared. What an evaluator may see is decided by
`analysis.disclosure`; the views only route.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.timezone import now

from ..access import NOT_YOUR_PROJECT
from ..analysis import charts, disclosure, exports
from ..analysis.agreement import COUNTED_DEFINITION, PASSAGE_DEFINITION, agreement_report
from ..analysis.compare_forms import UNITS, AgreementForm, ComparisonForm
from ..analysis.comparison import Comparison, comparison_build, scope_values
from ..analysis.cooccurrence import cooccurrence_build
from ..analysis.exports import hidden_cells
from ..analysis.filters import Filters
from ..analysis.measures import MEASURES
from ..analysis.queries import cell_tags
from ..analysis.significance import METHOD_SENTENCE
from ..analysis.stats import SMALL_SENTENCE
from ..downloads import attachment
from ..findings.listing import drilldown_quotes
from ..jobs.services import export_job_start
from ..review.blind import hidden_interview_ids, visible_project_excerpts

CELL_PAGE_SIZE = 50
CHART_KINDS = ("bars", "heatmap")
SVG = "image/svg+xml; charset=utf-8"


def _masked(request: HttpRequest, filters: Filters) -> frozenset[int]:
    return disclosure.masked_projects(request.user, filters.project_ids)


def _comparison(request: HttpRequest, form: ComparisonForm, **kwargs: Any) -> Comparison:
    filters = form.filters()
    return comparison_build(
        filters,
        form.measure_choice(),
        masked_project_ids=_masked(request, filters),
        threshold=disclosure.threshold(),
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
            "method_sentence": METHOD_SENTENCE,
            "pairwise_small_sentence": SMALL_SENTENCE,
            "narrowing_off": disclosure.NARROWING_OFF,
        },
    )


@login_required
def compare_chart(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in CHART_KINDS:
        raise Http404("No such chart.")
    form = ComparisonForm(request.GET or None, user=request.user)
    comparison = _comparison(request, form)
    draw = charts.bar_chart_svg if kind == "bars" else charts.heatmap_svg
    name = f"peer-values-{kind}-{comparison.measure}-{now():%Y%m%d}.svg"
    return attachment(draw(comparison), name, SVG)


@login_required
def compare_cell(request: HttpRequest) -> HttpResponse:
    """The excerpts behind one cell of the comparison (a value in a project column)."""
    form = ComparisonForm(request.GET or None, user=request.user)
    masked = _masked(request, form.filters())
    filters = disclosure.evaluator_filters(form.filters(), masked)
    project_id, _, group = request.GET.get("column", "").partition(":")
    if not project_id.isdigit() or int(project_id) not in filters.project_ids:
        raise Http404(NOT_YOUR_PROJECT)
    values = {str(v.id): v for v in scope_values(filters.project_ids)}
    value = values.get(request.GET.get("value", ""))
    if value is None or value.project_id not in (None, int(project_id)):
        raise Http404("No such value in this project.")
    if int(project_id) in masked and not disclosure.quotes_allowed(
        hidden_cells(_comparison(request, form)), filters, int(project_id), value.id
    ):
        raise PermissionDenied(disclosure.QUOTES_HIDDEN)
    project = next(p for p in form.projects if p.pk == int(project_id))
    # Blind coding: a peer researcher's quotes leave out what they may not see yet.
    tags = visible_project_excerpts(
        cell_tags(filters, value.id, int(project_id), group),
        project,
        request.user,
        to_excerpt="excerpt__",
    )
    page = Paginator(tags, CELL_PAGE_SIZE).get_page(request.GET.get("page"))
    # Peer researchers may suggest an excerpt as a quote for the findings from here.
    can_quote = drilldown_quotes(project, request.user, list(page))
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
            "can_quote": can_quote,
            "anonymous": int(project_id) in masked,
            "query": form.query_string(),
            "cell_query": form.query_string(
                value=str(value.id), column=request.GET.get("column", "")
            ),
        },
    )


@login_required
def compare_cooccurrence(request: HttpRequest) -> HttpResponse:
    form = ComparisonForm(request.GET or None, user=request.user)
    masked = _masked(request, form.filters())
    filters = disclosure.evaluator_filters(form.filters(), masked)
    hidden = frozenset()
    if masked:
        hidden = hidden_cells(_comparison(request, form))
    matrices = cooccurrence_build(
        filters, masked_project_ids=masked, threshold=disclosure.threshold(), hidden=hidden
    )
    if request.GET.get("download") and matrices:
        wanted = request.GET["download"]
        chosen = next((m for m in matrices if m.project.slug == wanted), None)
        if chosen is None:
            raise Http404(NOT_YOUR_PROJECT)
        return attachment(
            str(chosen.svg), f"peer-values-cooccurrence-{chosen.project.slug}.svg", SVG
        )
    return render(
        request,
        "coding/compare/cooccurrence.html",
        {"form": form, "filters": filters, "matrices": matrices, "query": form.query_string()},
    )


@login_required
def compare_agreement(request: HttpRequest) -> HttpResponse:
    form = AgreementForm(request.GET or None, user=request.user)
    masked = _masked(request, form.filters())
    filters = disclosure.evaluator_filters(form.filters(), masked)
    # Blind coding: a peer researcher's figures and passages leave out the interviews where
    # another coder's work is still hidden from them.
    hidden = frozenset(hidden_interview_ids(request.user, filters.project_ids))
    report = agreement_report(filters, form.unit_choice(), leave_out=hidden)
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
            "evaluator": bool(masked),
            "too_few": bool(masked) and report.interviews < disclosure.threshold(),
            "counted_definition": COUNTED_DEFINITION,
            "passage_definition": PASSAGE_DEFINITION.format(unit=form.unit_choice()),
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
        header, rows, sheets = exports.excerpt_export(
            filters,
            masked_project_ids=_masked(request, filters),
            threshold=disclosure.threshold(),
            reader=request.user,
        )
    exports.export_audit(actor=request.user, what=what, fmt=fmt, filters=filters)
    filename = f"peer-values-{what}-{slugify(filters.rule)}-{now():%Y%m%d-%H%M}.{fmt}"
    if what == "excerpts" and exports.excerpt_export_is_large(
        filters, settings.EXPORT_JOB_THRESHOLD
    ):
        # Too many rows for one request: a background job writes the file, with progress.
        return redirect(
            export_job_start(
                owner=request.user, query=form.query_string(), fmt=fmt, filename=filename
            )
        )
    if fmt == exports.CSV:
        content: Any = exports.csv_lines(header, rows)
    else:
        content = exports.xlsx_file(sheets)
    return attachment(content, filename, exports.FORMATS[fmt])
