"""CSV files of a project's decisions on disagreements and of its discussions."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from ..access import EVALUATOR, project_for_user
from ..analysis.exports import FORMATS, csv_lines
from ..analysis.reading import evaluator_reading
from ..downloads import attachment
from ..review.exports import (
    DECISION_HEADER,
    DISCUSSION_HEADER,
    decision_rows,
    discussion_rows,
    review_export_audit,
)
from ..review.queue import QUEUE_FOR_CODERS

FILES = {
    "decisions": (DECISION_HEADER, decision_rows),
    "discussions": (DISCUSSION_HEADER, discussion_rows),
}


@login_required
def review_export(request: HttpRequest, slug: str, what: str) -> HttpResponse:
    """Members download a project's decisions or threads; evaluators only the threads, under
    disclosure control (the decisions are the coding team's work, as the queue is)."""
    if what not in FILES:
        raise Http404("No such file.")
    project, role = project_for_user(request.user, slug)
    if role == EVALUATOR and what == "decisions":
        raise PermissionDenied(QUEUE_FOR_CODERS)
    # Disclosure control: 403 in a project too small to show; hidden values not named.
    reading = evaluator_reading(role, project.pk)
    extra = {"hidden_values": reading.hidden_slugs} if reading is not None else {}
    header, rows = FILES[what]
    filename = f"{project.slug}-{what}.csv"
    review_export_audit(actor=request.user, project=project, what=what, filename=filename)
    # Evaluators' files say nothing of who was interviewed, like their excerpt files.
    # Blind coding: a peer researcher's file leaves out what they may not see yet.
    anonymous = role == EVALUATOR
    lines = csv_lines(header, rows([project], anonymous=anonymous, reader=request.user, **extra))
    return attachment(lines, filename, FORMATS["csv"])
