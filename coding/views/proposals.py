"""Pages of the team's proposals: list, propose, discuss, decide, recode after a split, and the
proposer's own provisional values."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from .. import changes, proposals
from .. import codebook_selectors as selectors
from ..access import can_code, project_for_user
from ..codebook_forms import CommentForm, DecisionForm, ProposalForm
from ..models import CodebookValue, Proposal
from ..services import CodingError
from .api import api_view

NO_SUCH_PROPOSAL = "There is no such proposal in this project."
NOT_A_SPLIT = "Only an accepted split has excerpts to recode."


def _proposal(project: object, pk: int) -> Proposal:
    proposal = selectors.proposal_detail(project, pk)
    if proposal is None:
        raise Http404(NO_SUCH_PROPOSAL)
    return proposal


@login_required
def proposal_list(request: HttpRequest, slug: str) -> HttpResponse:
    project, role = project_for_user(request.user, slug)
    return render(
        request,
        "coding/codebook/proposals.html",
        {
            "project": project,
            "role": role,
            "can_propose": can_code(role),
            "proposals": selectors.proposal_list(project),
        },
    )


@login_required
def proposal_new(request: HttpRequest, slug: str) -> HttpResponse:
    project, role = project_for_user(request.user, slug, write=True)
    initial = {k: request.GET[k] for k in ("kind", "value") if k in request.GET}
    form = ProposalForm(request.POST or None, project=project, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = proposals.proposal_create(
                project=project, actor=request.user, **form.service_kwargs()
            )
        except CodingError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Your proposal is open for the team to discuss.")
            return redirect(proposal)
    return render(
        request,
        "coding/codebook/proposal_new.html",
        {
            "project": project,
            "role": role,
            "form": form,
            "chosen_examples": form.chosen_examples() if form.is_bound else [],
            "values": CodebookValue.objects.for_project(project).shared().order_by("order"),
        },
    )


@api_view  # first, so that signed-out callers get 401 in JSON
@require_GET
def example_search(request: HttpRequest, slug: str) -> JsonResponse:
    """The example picker's search: a member's visible excerpts by words and value (JSON)."""
    project, _ = project_for_user(request.user, slug, write=True)
    value = request.GET.get("value", "")
    found = selectors.example_candidates(
        project,
        request.user,
        words=request.GET.get("q", "").strip()[:200],
        value_id=int(value) if value.isdigit() else None,
    )
    return JsonResponse({"results": [selectors.example_row(e) for e in found]})


@login_required
def proposal_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    project, role = project_for_user(request.user, slug)
    proposal = _proposal(project, pk)
    votes = list(proposal.votes.all())
    mine = next((v for v in votes if v.member_id == request.user.pk), None)
    return render(
        request,
        "coding/codebook/proposal.html",
        {
            "project": project,
            "role": role,
            "proposal": proposal,
            "can_take_part": can_code(role),
            "is_lead": proposals.is_lead(project, request.user),
            "agree": [v for v in votes if v.agrees],
            "disagree": [v for v in votes if not v.agrees],
            "my_vote": mine,
            "comment_form": CommentForm(),
            "decision_form": DecisionForm(),
            "queue_left": changes.split_queue(proposal).count()
            if proposal.kind == "split" and proposal.status == "accepted"
            else None,
        },
    )


def _act(request: HttpRequest, slug: str, pk: int) -> tuple[object, Proposal]:
    project, _ = project_for_user(request.user, slug, write=True)
    return project, _proposal(project, pk)


def _done(request: HttpRequest, proposal: Proposal, action: object) -> HttpResponse:
    """Run one service call; a refusal is shown on the proposal's page."""
    try:
        action()
    except CodingError as exc:
        messages.error(request, exc.message)
    return redirect(proposal)


@login_required  # first, so that signed-out visitors go to the login page
@require_POST
def proposal_comment(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    _, proposal = _act(request, slug, pk)
    form = CommentForm(request.POST)
    text = form.data.get("text", "")
    return _done(
        request,
        proposal,
        lambda: proposals.proposal_comment(proposal=proposal, actor=request.user, text=text),
    )


@login_required  # first, so that signed-out visitors go to the login page
@require_POST
def proposal_vote(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    _, proposal = _act(request, slug, pk)
    agrees = request.POST.get("agrees") == "yes"
    return _done(
        request,
        proposal,
        lambda: proposals.proposal_vote(proposal=proposal, actor=request.user, agrees=agrees),
    )


@login_required  # first, so that signed-out visitors go to the login page
@require_POST
def proposal_decide(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    _, proposal = _act(request, slug, pk)
    accept = request.POST.get("decision") == "accept"
    reason = request.POST.get("reason", "")
    return _done(
        request,
        proposal,
        lambda: proposals.proposal_decide(
            proposal=proposal, actor=request.user, accept=accept, reason=reason
        ),
    )


@login_required  # first, so that signed-out visitors go to the login page
@require_POST
def proposal_define(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    _, proposal = _act(request, slug, pk)
    short = request.POST.get("short_definition", "")
    full = request.POST.get("definition", "")
    return _done(
        request,
        proposal,
        lambda: proposals.proposal_define(
            proposal=proposal, actor=request.user, short_definition=short, definition=full
        ),
    )


@login_required  # first, so that signed-out visitors go to the login page
@require_POST
def proposal_withdraw(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    _, proposal = _act(request, slug, pk)
    return _done(
        request,
        proposal,
        lambda: proposals.proposal_withdraw(proposal=proposal, actor=request.user),
    )


@login_required
def recode_queue(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A split's excerpts still on the old value, each to be given one of the new values."""
    project, role = project_for_user(request.user, slug)
    proposal = _proposal(project, pk)
    if proposal.kind != Proposal.Kind.SPLIT or proposal.status != Proposal.Status.ACCEPTED:
        raise Http404(NOT_A_SPLIT)
    made = list(proposal.made_values.all())
    if request.method == "POST":
        project_for_user(request.user, slug, write=True)
        to = next((v for v in made if str(v.pk) == request.POST.get("to")), None)
        try:
            if to is None:
                raise CodingError(changes.RECODE_CHOICE.format(a=made[0].name, b=made[1].name))
            changes.recode_assign(
                proposal=proposal, tag_id=request.POST.get("tag"), to=to, actor=request.user
            )
        except CodingError as exc:
            messages.error(request, exc.message)
        return redirect("recode_queue", slug=slug, pk=pk)
    rows = selectors.recode_rows(proposal)
    total = proposal.recode_total
    return render(
        request,
        "coding/codebook/recode.html",
        {
            "project": project,
            "role": role,
            "proposal": proposal,
            "made": made,
            "rows": rows,
            "can_recode": can_code(role),
            "done": total - len(rows),
            "total": total,
        },
    )


@login_required
def provisional_value(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The proposer's page for a provisional value: rename or withdraw it while the team
    decides; recode or delete its excerpts once it is declined or withdrawn."""
    project, role = project_for_user(request.user, slug, write=True)
    value = (
        CodebookValue.objects.filter(project=project, pk=pk, proposed_by=request.user)
        .select_related("project")
        .first()
    )
    if value is None:
        raise Http404(changes.NOT_YOUR_VALUE)
    proposal = (
        Proposal.objects.filter(value=value, kind=Proposal.Kind.ADD).order_by("-created").first()
    )
    if request.method == "POST":
        try:
            message = _provisional_action(request, value, proposal)
        except CodingError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, message)
        if value.tags.exists() or value.status == CodebookValue.Status.PROPOSED:
            return redirect("provisional_value", slug=slug, pk=pk)
        return redirect("codebook", slug=slug)
    targets = CodebookValue.objects.for_project(project).shared().active()
    return render(
        request,
        "coding/codebook/provisional.html",
        {
            "project": project,
            "role": role,
            "value": value,
            "proposal": proposal,
            "targets": targets,
            "excerpt_count": value.tags.count(),
        },
    )


def _provisional_action(request: HttpRequest, value: CodebookValue, proposal: Proposal) -> str:
    action = request.POST.get("action")
    if action == "rename":
        changes.provisional_rename(value=value, actor=request.user, name=request.POST.get("name"))
        return "The value has its new name."
    if action == "withdraw" and proposal is not None:
        proposals.proposal_withdraw(proposal=proposal, actor=request.user)
        return "You withdrew the value. Now recode or delete its excerpts."
    if action == "recode":
        target = CodebookValue.objects.filter(pk=request.POST.get("to") or 0).first()
        if target is None:
            raise CodingError(changes.RECODE_TARGET)
        n = changes.provisional_resolve(value=value, actor=request.user, to=target)
        return f"{n} excerpt(s) now carry “{target.name}”."
    if action == "delete":
        n = changes.provisional_resolve(value=value, actor=request.user, to=None)
        return f"The value is gone from {n} excerpt(s)."
    raise CodingError("Choose what to do.")
