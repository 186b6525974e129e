"""The peer researcher's pages: My work, and the interview coding page (a reading view for
evaluators)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .. import selectors, worklist
from ..access import can_code, interview_for_user, is_reader_only, visible_projects
from ..analysis.reading import CODING_HIDDEN, DETAILS_HIDDEN, evaluator_reading
from ..models import CodebookValue, CodingProgress, Interview
from ..review.blind import blind_rows, visible_coders
from ..review.discussions import interview_discussions
from ..turns import Paragraph, split_paragraphs
from ..worklist import WorkFilter
from .auth import login_url

READING_HELP = (
    "Reading view: you can read this interview and the team's coding. Choose whose coding to "
    "show; select a highlight to see its values and note."
)


@login_required
def my_work(request: HttpRequest) -> HttpResponse:
    if is_reader_only(request.user):
        return redirect("team_progress")
    projects = visible_projects(request.user).order_by("name")
    work_filter = WorkFilter.from_query(request.GET)
    interviews = worklist.work_filtered(request.user, projects, work_filter)
    page = worklist.work_page(interviews, request.GET.get("page"))
    return render(
        request,
        "coding/my_work.html",
        {
            "projects": projects,
            "interviews": page.object_list,
            "page": page,
            "summary": worklist.work_summary(request.user, projects),
            "statuses": worklist.STATUSES,
            "sorts": {key: label for key, (label, _) in worklist.SORTS.items()},
            "filter": work_filter,
            "querystring": work_filter.querystring(),
            "page_params": work_filter.params(),
        },
    )


def value_row(value: CodebookValue, project_slug: str = "") -> dict[str, Any]:
    """A codebook value as the coding page uses it (with the project's slug, a provisional
    value links to its proposer's page)."""
    provisional = value.proposed_by_id is not None
    return {
        "slug": value.slug,
        "name": value.name,
        "colour": value.colour,
        "shortcut": value.shortcut,
        "definition": value.definition,
        "active": value.is_active,
        "project_specific": value.project_id is not None,
        # Seen by its proposer only until the team decides (see coding/proposals.py).
        "provisional": provisional,
        "page": reverse("provisional_value", args=[project_slug, value.pk])
        if provisional and project_slug
        else "",
        "initials": _initials(value.name),
    }


def _initials(name: str) -> str:
    words = [w for w in name.replace("-", " ").split() if w[0].isalnum()]
    skip = {"and", "to", "be", "of", "in"}
    letters = "".join(w[0] for w in words if w.lower() not in skip)
    return (letters or name[:2]).upper()[:3]


@lru_cache(maxsize=16)
def cached_transcript_html(content_hash: str, text: str) -> SafeString:
    """The transcript HTML of a text, kept while its hash (the text) stays the same."""
    return transcript_html(text, split_paragraphs(text))


def transcript_html(text: str, paragraphs: list[Paragraph]) -> SafeString:
    """The transcript's paragraphs as HTML, every piece of text escaped.

    Built here rather than in a template loop: a 25,000-word interview has over a thousand
    paragraphs, and the template engine would spend most of the page's time on them. The text
    nodes inside `.para-text` must join up to exactly `text[start:end]`: the coding page maps
    browser selections back to offsets through them.
    """
    parts = []
    for p in paragraphs:
        classes = f"para{' turn-start' if p.new_turn else ''} speaker-{p.kind or 'none'}"
        label = text[p.start : p.label_end]
        label_html = f'<span class="speaker">{escape(label)}</span>' if label else ""
        parts.append(
            f'<div class="{classes}" data-start="{p.start}" data-end="{p.end}" '
            f'data-n="{p.number}" id="p{p.number}"><p class="para-text">{label_html}'
            f"{escape(text[p.label_end : p.end])}</p></div>"
        )
    return mark_safe("".join(parts))


@login_required
def interview_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The interview page: the transcript, and for coders the whole coding workspace."""
    interview, role = interview_for_user(
        request.user,
        pk,
        queryset=Interview.objects.select_related("project", "participant"),
    )
    values = list(
        CodebookValue.objects.for_project(interview.project)
        .visible_to(request.user)
        .order_by("order", "name")
    )
    # Lean rows: the page cuts each excerpt's text from the full text (half the page's weight)
    # and asks for an excerpt's times when its details open.
    excerpts = selectors.excerpt_rows(interview.pk, with_text=False, with_times=False)
    # Blind double coding: the page is never sent others' excerpts until both coders are done.
    visible = visible_coders(interview, request.user, role)
    excerpts = blind_rows(excerpts, visible)
    # Disclosure control: evaluators see no participant details and no hidden value's excerpts.
    reading = evaluator_reading(role, interview.project_id)
    if reading is not None:
        excerpts = reading.rows(excerpts)
    progress = CodingProgress.objects.filter(interview=interview, coder=request.user).first()
    coders = {e["coder"] for e in excerpts}
    if can_code(role):
        coders.add(request.user.get_username())
    coders = sorted(coders)
    work_filter = WorkFilter.from_query(request.GET)
    work_nav = worklist.work_neighbours(
        request.user, visible_projects(request.user).order_by("name"), work_filter, interview.pk
    )
    value_rows = [value_row(v, interview.project.slug) for v in values]
    return render(
        request,
        "coding/interview_detail.html",
        {
            "interview": interview,
            "interview_label": f"Interview {interview.pk}" if reading else str(interview),
            "evaluator_view": reading is not None,
            "reading_note": "" if reading is None else reading.note(CODING_HIDDEN, DETAILS_HIDDEN),
            "role": role,
            "can_code": can_code(role),
            "transcript_html": cached_transcript_html(interview.content_hash, interview.text),
            "values": value_rows,
            "active_values": [v for v in value_rows if v["active"]],
            "progress": progress,
            "coders": coders,
            "blind": visible is not None,
            "discussions": interview_discussions(interview, request.user),
            "work_nav": work_nav,
            "reading_help": READING_HELP,
            "page_data": {
                "interviewId": interview.pk,
                "me": request.user.get_username(),
                "canCode": can_code(role),
                "values": value_rows,
                "excerpts": excerpts,
                "text": interview.text,
                "coders": coders,
                # Where the page sends someone whose session ended, to come back here.
                "loginUrl": login_url(request.get_full_path(), request),
            },
        },
    )
