"""The disagreement queue of a project, and recording the team's decisions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ..access import EVALUATOR, READ_ONLY_ROLE, can_code, project_for_user
from ..analysis.filters import RULE_CONSENSUS, RULE_LABELS, RULES
from ..review.blind import hidden_interview_ids
from ..review.consensus import decision_record
from ..review.decision_forms import DecisionForm
from ..review.queue import QUEUE_FOR_CODERS, InterviewQueue, Queue, disagreement_queue
from ..services import CodingError

DECISION_SAVED = "Decision saved. The consensus coding of this interview now follows it."
DECISION_INVALID = "The decision was not saved: {problems}"


def _current(queue: InterviewQueue | Any, chosen: str | None) -> InterviewQueue | None:
    """The interview whose passages the page shows: the chosen one, else the first with
    passages still to decide (one at a time keeps a long queue's page light)."""
    items = queue.interviews
    for item in items:
        if chosen and str(item.interview.pk) == chosen:
            return item
    return next((item for item in items if item.remaining), items[0] if items else None)


@login_required
def disagreement_list(request: HttpRequest, slug: str) -> HttpResponse:
    project, role = project_for_user(request.user, slug)
    if role == EVALUATOR:
        raise PermissionDenied(QUEUE_FOR_CODERS)  # disclosure control
    queue = disagreement_queue(project)
    # Blind coding: a peer researcher who has not marked an interview done (one who did not
    # code it) does not see its coders' work here either.
    hidden = hidden_interview_ids(request.user, [project.pk])
    if hidden:
        kept = [item for item in queue.interviews if item.interview.pk not in hidden]
        queue = Queue(interviews=kept, values=queue.values)
    return render(
        request,
        "coding/review/disagreements.html",
        {
            "project": project,
            "queue": queue,
            "current": _current(queue, request.GET.get("interview")),
            "can_write": can_code(role),
            "outcomes": DecisionForm.base_fields["outcome"].choices,
            "rule_label": RULE_LABELS[RULE_CONSENSUS],
            # The rule's text opens with its name, which the sentence has just said in quotes.
            "rule_text": RULES[RULE_CONSENSUS].removeprefix(f"{RULE_LABELS[RULE_CONSENSUS]}: "),
        },
    )


@login_required
@require_POST
def disagreement_decide(request: HttpRequest, slug: str) -> HttpResponse:
    project, role = project_for_user(request.user, slug)
    if not can_code(role):
        raise PermissionDenied(READ_ONLY_ROLE)
    form = DecisionForm(request.POST, project=project)
    url = reverse("disagreement_list", args=[project.slug])
    if not form.is_valid():
        problems = " ".join(e for errors in form.errors.values() for e in errors)
        messages.error(request, DECISION_INVALID.format(problems=problems))
        return redirect(url)
    try:
        decision = decision_record(user=request.user, **form.service_arguments())
    except CodingError as exc:
        messages.error(request, DECISION_INVALID.format(problems=exc.message))
        return redirect(url)
    messages.success(request, DECISION_SAVED)
    anchor = f"{decision.interview_id}-{decision.value_id}-{decision.start}-{decision.end}"
    return redirect(f"{url}?interview={decision.interview_id}#passage-{anchor}")
