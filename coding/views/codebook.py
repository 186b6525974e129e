"""The codebook pages of a project: the values, one value's history, and the versions."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .. import codebook_selectors as selectors
from ..access import can_code, project_for_user
from ..analysis import disclosure
from ..codebook_forms import VersionDiffForm
from ..models import CodebookVersion
from ..proposals import is_lead
from ..versions import current_version, version_diff

NO_SUCH_VALUE = "There is no such value in this project's codebook."


def counts_hidden(user: Any, project: Any) -> bool:
    """Evaluators see no excerpt counts or lists here: the comparison's disclosure control
    hides small counts, and these pages would give them away."""
    return project.pk in disclosure.masked_projects(user, (project.pk,))


@login_required
def codebook(request: HttpRequest, slug: str) -> HttpResponse:
    project, role = project_for_user(request.user, slug)
    values = selectors.codebook_values(project, request.user)
    return render(
        request,
        "coding/codebook/codebook.html",
        {
            "project": project,
            "role": role,
            "can_propose": can_code(role),
            "is_lead": is_lead(project, request.user),
            "framework": [v for v in values if v.is_framework],
            "own": [v for v in values if not v.is_framework and v.proposed_by_id is None],
            "mine": [v for v in values if v.proposed_by_id is not None],
            "values": values,
            "version": current_version(project),
            "open_proposals": selectors.proposal_list(project).filter(status="open"),
            "counts_hidden": counts_hidden(request.user, project),
        },
    )


@login_required
def value_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    project, role = project_for_user(request.user, slug)
    value = next((v for v in selectors.codebook_values(project, request.user) if v.pk == pk), None)
    if value is None:
        raise Http404(NO_SUCH_VALUE)
    hidden = counts_hidden(request.user, project)
    tagged = (
        []
        if hidden
        else value.tags.filter(excerpt__interview__project=project)
        .select_related("excerpt__interview", "version")
        .order_by("excerpt__interview_id", "excerpt__start")[:50]
    )
    return render(
        request,
        "coding/codebook/value.html",
        {
            "project": project,
            "role": role,
            "value": value,
            "values": [value],
            "tagged": tagged,
            "counts_hidden": hidden,
            **selectors.value_history(project, value),
        },
    )


@login_required
def version_list(request: HttpRequest, slug: str) -> HttpResponse:
    project, role = project_for_user(request.user, slug)
    current_version(project)
    versions = list(
        CodebookVersion.objects.filter(project=project).select_related(
            "project", "created_by", "proposal__project"
        )
    )
    counts = selectors.version_tag_counts(project)
    for v in versions:
        v.tag_count = counts[v.number]
    numbers = [v.number for v in versions]
    form = VersionDiffForm(
        initial={"old": numbers[max(0, len(numbers) - 2)], "new": numbers[-1]}, numbers=numbers
    )
    return render(
        request,
        "coding/codebook/versions.html",
        {
            "project": project,
            "role": role,
            "versions": versions,
            "form": form,
            "counts_hidden": counts_hidden(request.user, project),
        },
    )


@login_required
def version_detail(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    project, role = project_for_user(request.user, slug)
    version = get_object_or_404(
        CodebookVersion.objects.select_related("project", "created_by", "proposal"),
        project=project,
        number=number,
    )
    return render(
        request,
        "coding/codebook/version.html",
        {"project": project, "role": role, "version": version},
    )


@login_required
def version_compare(request: HttpRequest, slug: str) -> HttpResponse:
    project, role = project_for_user(request.user, slug)
    current_version(project)
    versions = {v.number: v for v in CodebookVersion.objects.filter(project=project)}
    form = VersionDiffForm(request.GET or None, numbers=sorted(versions))
    diff = None
    if form.is_valid():
        old, new = versions[form.cleaned_data["old"]], versions[form.cleaned_data["new"]]
        diff = version_diff(old, new)
    return render(
        request,
        "coding/codebook/version_compare.html",
        {"project": project, "role": role, "form": form, "diff": diff},
    )
