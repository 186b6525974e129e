"""CSV files of a project's decisions on disagreements and of its discussions."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from ..access import EVALUATOR, project_for_user
from ..analysis.exports import FORMATS, csv_lines
from ..downloads import attachment
from ..review.exports import (
    DECISION_HEADER,
    DISCUSSION_HEADER,
    decision_rows,
    discussion_rows,
    review_export_audit,
)

FILES = {
    "decisions": (DECISION_HEADER, decision_rows),
    "discussions": (DISCUSSION_HEADER, discussion_rows),
}


@login_required
def review_export(request: HttpRequest, slug: str, what: str) -> HttpResponse:
    """Members (evaluators too: they may read both) download a project's decisions or threads."""
    if what not in FILES:
        raise Http404("No such file.")
    project, role = project_for_user(request.user, slug)
    header, rows = FILES[what]
    filename = f"{project.slug}-{what}.csv"
    review_export_audit(actor=request.user, project=project, what=what, filename=filename)
    # Evaluators' files say nothing of who was interviewed, like their excerpt files.
    # Blind coding: a peer researcher's file leaves out what they may not see yet.
    lines = csv_lines(header, rows([project], anonymous=role == EVALUATOR, reader=request.user))
    return attachment(lines, filename, FORMATS["csv"])
