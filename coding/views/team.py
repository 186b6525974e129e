"""The team's progress, where evaluators land after signing in."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ..access import visible_projects
from ..team import team_progress


@login_required
def team_progress_view(request: HttpRequest) -> HttpResponse:
    teams = team_progress(visible_projects(request.user).order_by("name"))
    return render(request, "coding/team_progress.html", {"teams": teams})
