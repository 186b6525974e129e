"""The Quotes page of a project (candidates, a lead's decisions, the attribution setting) and
marking a quote from the comparison's drill-down. Services in `findings.candidates`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from ..access import EVALUATOR, project_for_user
from ..findings import candidates as service
from ..findings.listing import quote_page, visible_candidates
from ..findings.models import QuoteCandidate
from ..models import Excerpt, ResearchProject
from ..proposals import is_lead
from ..review.blind import visible_excerpts
from ..services import CodingError

NO_SUCH_QUOTE = "There is no such quote in this project."
NO_SUCH_EXCERPT = "There is no such excerpt in this project, or you cannot see it."
APPROVED = "Approved: the quote can appear in the findings."
DECLINED = "Declined: the quote will not appear in the findings."
PROPOSED = "Suggested as a quote for “{value}”. A project lead will decide."
REMOVED = "The quote was taken off the list."
SETTING_SAVED = "Saved: {label}."


def _quotes_url(project: ResearchProject, anchor: str = "") -> str:
    return reverse("quote_list", args=[project.slug]) + (f"#{anchor}" if anchor else "")


@login_required
def quote_list(request: HttpRequest, slug: str) -> HttpResponse:
    project, role = project_for_user(request.user, slug)
    status = request.GET.get("status", "")
    page = quote_page(project, request.user, role, status)
    return render(
        request,
        "coding/quotes/list.html",
        {
            "project": project,
            "page": page,
            "status": status,
            "lead": is_lead(project, request.user),
            "evaluator": role == EVALUATOR,
            "attribution_choices": ResearchProject.QuoteAttribution.choices,
        },
    )


def _candidate(request: HttpRequest, slug: str, pk: int) -> tuple[ResearchProject, QuoteCandidate]:
    project, _ = project_for_user(request.user, slug, write=True)
    candidate = visible_candidates(project, request.user).filter(pk=pk).first()
    if candidate is None:
        raise Http404(NO_SUCH_QUOTE)
    return project, candidate


@login_required  # first, so that signed-out visitors go to the login page
@require_POST
def quote_decide(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    project, candidate = _candidate(request, slug, pk)
    if not is_lead(project, request.user):
        raise PermissionDenied(service.LEADS_ONLY)
    approve = request.POST.get("decision") == "approve"
    try:
        service.quote_decide(
            candidate=candidate,
            user=request.user,
            approve=approve,
            reason=request.POST.get("reason", ""),
        )
    except CodingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, APPROVED if approve else DECLINED)
    return redirect(_quotes_url(project, f"quote-{pk}"))


@login_required  # first, so that signed-out visitors go to the login page
@require_POST
def quote_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    project, candidate = _candidate(request, slug, pk)
    try:
        service.quote_remove(candidate=candidate, user=request.user)
    except CodingError as exc:
        messages.error(request, exc.message)
        return redirect(_quotes_url(project, f"quote-{pk}"))
    messages.success(request, REMOVED)
    return redirect(_quotes_url(project))


@login_required  # first, so that signed-out visitors go to the login page
@require_POST
def quote_settings(request: HttpRequest, slug: str) -> HttpResponse:
    project, _ = project_for_user(request.user, slug)
    if not is_lead(project, request.user):
        raise PermissionDenied(service.SETTING_LEADS_ONLY)
    attribution = request.POST.get("quote_attribution", "")
    try:
        service.quote_attribution_set(project=project, user=request.user, attribution=attribution)
    except CodingError as exc:
        messages.error(request, exc.message)
    else:
        label = ResearchProject.QuoteAttribution(attribution).label.lower()
        messages.success(request, SETTING_SAVED.format(label=f"quotes are {label}"))
    return redirect(_quotes_url(project, "quote-settings"))


@login_required  # first, so that signed-out visitors go to the login page
@require_POST
def quote_propose(request: HttpRequest, slug: str) -> HttpResponse:
    """Suggest an excerpt as a quote from the comparison's drill-down, then go back to it."""
    project, role = project_for_user(request.user, slug, write=True)
    excerpt_id = request.POST.get("excerpt", "")
    excerpt = (
        Excerpt.objects.select_related("interview__project")
        .filter(pk=excerpt_id if excerpt_id.isdigit() else None, interview__project=project)
        .first()
    )
    if excerpt is None or not visible_excerpts(excerpt.interview, request.user, role).filter(
        pk=excerpt.pk
    ):
        raise Http404(NO_SUCH_EXCERPT)
    try:
        candidate = service.quote_propose(
            excerpt=excerpt,
            value_id=request.POST.get("value", ""),
            caption=request.POST.get("caption", ""),
            user=request.user,
        )
    except CodingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, PROPOSED.format(value=candidate.value.name))
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        return redirect(f"{back}#excerpt-{excerpt.pk}")
    return redirect(_quotes_url(project))
