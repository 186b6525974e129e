"""Who may read and who may publish a findings pack, and which projects it covers.

A project's pack: its members (evaluators under disclosure control) and admins; publishing a
draft and recording feedback take part in the project, so evaluators only read. The pack across
projects covers the projects the reader may see; a published one opens only for readers who
may see every project it covers.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from ..access import (
    NOT_YOUR_PROJECT,
    PEER_RESEARCHER,
    READ_ONLY_ROLE,
    is_admin,
    project_for_user,
    visible_projects,
)
from ..models import Membership, ResearchProject
from .pack_models import ALL_PROJECTS, PackVersion

NO_SUCH_VERSION = "There is no such version of this findings pack."


def pack_scope(
    user: Any, scope: str, *, write: bool = False
) -> tuple[ResearchProject | None, list[ResearchProject]]:
    """The project of a pack (None across projects) and the projects it covers; 404 or 403."""
    if scope != ALL_PROJECTS:
        project, _ = project_for_user(user, scope, write=write)
        return project, [project]
    projects = list(visible_projects(user).order_by("name"))
    if write and not is_admin(user):
        roles = Membership.objects.filter(user=user, project__in=projects).values_list(
            "role", flat=True
        )
        if not projects or any(role != PEER_RESEARCHER for role in roles):
            raise PermissionDenied(READ_ONLY_ROLE)
    return None, projects


def pack_version_for(
    user: Any, scope: str, number: int, *, write: bool = False
) -> tuple[PackVersion, list[ResearchProject]]:
    """A published version the user may open (every project it covers visible to them)."""
    project, projects = pack_scope(user, scope, write=write)
    version = (
        PackVersion.objects.select_related("project", "created_by")
        .filter(project=project, number=number)
        .first()
    )
    if version is None:
        raise Http404(NO_SUCH_VERSION)
    if project is None and not set(version.project_ids) <= {p.pk for p in projects}:
        raise Http404(NOT_YOUR_PROJECT)
    return version, projects
