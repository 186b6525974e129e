"""HTML pages: home, project, interview."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .. import selectors
from ..access import interview_for_user, project_for_user
from ..models import CodebookValue, Interview
from ..turns import split_paragraphs


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
        {"project": project, "role": role, "interviews": interviews, "values": values},
    )


@login_required
def interview_detail(request: HttpRequest, pk: int) -> HttpResponse:
    interview, role = interview_for_user(
        request.user,
        pk,
        queryset=Interview.objects.select_related("project", "participant"),
    )
    paragraphs = split_paragraphs(interview.text)
    return render(
        request,
        "coding/interview_detail.html",
        {
            "interview": interview,
            "role": role,
            "paragraphs": [
                {
                    "p": p,
                    "label": interview.text[p.start : p.label_end],
                    "body": interview.text[p.label_end : p.end],
                }
                for p in paragraphs
            ],
        },
    )
