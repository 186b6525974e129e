"""CSV files of a project's decisions on disagreements and of its discussions."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse

from ..access import EVALUATOR, project_for_user
from ..analysis.exports import FORMATS, csv_lines
from ..audit import audit_record
from ..downloads import attachment
from ..models import AuditEvent
from ..review.exports import DECISION_HEADER, DISCUSSION_HEADER, decision_rows, discussion_rows

FILES = {
    "decisions": (DECISION_HEADER, decision_rows, "consensusdecision"),
    "discussions": (DISCUSSION_HEADER, discussion_rows, "comment"),
}


@login_required
def review_export(request: HttpRequest, slug: str, what: str) -> HttpResponse:
    """Members (evaluators too: they may read both) download a project's decisions or threads."""
    if what not in FILES:
        raise Http404("No such file.")
    project, role = project_for_user(request.user, slug)
    header, rows, model = FILES[what]
    filename = f"{project.slug}-{what}.csv"
    with transaction.atomic():
        audit_record(
            actor=request.user,
            action=AuditEvent.Action.EXPORT,
            model=model,
            object_repr=filename,
            project_id=project.pk,
        )
    # Evaluators' files say nothing of who was interviewed, like their excerpt files.
    lines = csv_lines(header, rows([project], anonymous=role == EVALUATOR))
    return attachment(lines, filename, FORMATS["csv"])
