"""HTML pages: home and project."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .. import selectors
from ..access import EVALUATOR, project_for_user
from ..analysis.reading import DETAILS_HIDDEN
from ..models import CodebookValue


@login_required
def home(request: HttpRequest) -> HttpResponse:
    projects = list(selectors.project_summaries(request.user))
    return render(request, "coding/home.html", {"projects": projects})


@login_required
def project_detail(request: HttpRequest, slug: str) -> HttpResponse:
    project, role = project_for_user(request.user, slug)
    interviews = selectors.project_interviews(project)
    values = CodebookValue.objects.for_project(project).active()
    return render(
        request,
        "coding/project_detail.html",
        {
            "project": project,
            "role": role,
            "interviews": interviews,
            "values": values,
            # As on the evaluator's reading view: no participant details, and no excerpt counts
            # (they would count values the reading view leaves out).
            "details_hidden": DETAILS_HIDDEN if role == EVALUATOR else "",
        },
    )
