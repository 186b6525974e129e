"""Who may see and do what. Every view calls one of these before it touches data.

Roles: admins (staff users) see and manage everything; peer researchers read and code the
interviews of their projects; evaluators read the interviews, excerpts and comparisons of their
projects and change nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from .models import Interview, Job, Membership, ResearchProject

ADMIN = "admin"
PEER_RESEARCHER = Membership.Role.PEER_RESEARCHER.value
EVALUATOR = Membership.Role.EVALUATOR.value

View = Callable[..., HttpResponse]

NOT_YOUR_PROJECT = "You are not a member of this project."
READ_ONLY_ROLE = "Evaluators can read this project but not change its coding."


def is_admin(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def visible_projects(user: Any) -> QuerySet[ResearchProject]:
    """Projects the user may read."""
    if not user.is_authenticated:
        return ResearchProject.objects.none()
    if is_admin(user):
        return ResearchProject.objects.all()
    return ResearchProject.objects.filter(memberships__user=user).distinct()


def codable_projects(user: Any) -> QuerySet[ResearchProject]:
    """Projects in which the user codes (peer researchers; admins may code anywhere)."""
    if is_admin(user):
        return ResearchProject.objects.all()
    return ResearchProject.objects.filter(
        memberships__user=user, memberships__role=PEER_RESEARCHER
    ).distinct()


def is_reader_only(user: Any) -> bool:
    """Whether the user only reads (an evaluator in every project, no admin): they land on the
    team's progress rather than on My work."""
    if not user.is_authenticated or is_admin(user):
        return False
    roles = set(Membership.objects.filter(user=user).values_list("role", flat=True))
    return roles == {EVALUATOR}


def session_ended(request: HttpRequest) -> bool:
    """Whether a signed-out request still carries a session cookie: the session has ended."""
    user = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated)
    return settings.SESSION_COOKIE_NAME in request.COOKIES and not signed_in


def project_role(user: Any, project_id: int) -> str | None:
    """The user's role in a project: "admin", "peer_researcher", "evaluator" or None."""
    if not user.is_authenticated:
        return None
    if is_admin(user):
        return ADMIN
    return (
        Membership.objects.filter(user=user, project_id=project_id)
        .values_list("role", flat=True)
        .first()
    )


def can_code(role: str | None) -> bool:
    return role in (ADMIN, PEER_RESEARCHER)


def project_for_user(user: Any, slug: str, *, write: bool = False) -> tuple[ResearchProject, str]:
    """Return a project the user may read (or take part in, with write=True), with their role;
    404 otherwise.

    A 404 rather than a 403 so that outsiders cannot learn which projects exist.
    """
    project = ResearchProject.objects.filter(slug=slug).first()
    role = project_role(user, project.pk) if project else None
    if project is None or role is None:
        raise Http404(NOT_YOUR_PROJECT)
    if write and not can_code(role):
        raise PermissionDenied(READ_ONLY_ROLE)
    return project, role


def interview_for_user(
    user: Any, pk: int, *, write: bool = False, queryset: QuerySet[Interview] | None = None
) -> tuple[Interview, str]:
    """Return an interview the user may read (or code, with write=True), with their role."""
    qs = queryset if queryset is not None else Interview.objects.select_related("project")
    interview = qs.filter(pk=pk).first()
    role = project_role(user, interview.project_id) if interview else None
    if interview is None or role is None:
        raise Http404(NOT_YOUR_PROJECT)
    if write and not can_code(role):
        raise PermissionDenied(READ_ONLY_ROLE)
    return interview, role


ADMINS_ONLY = "Only admins can open this page."


def staff_required(message: str = ADMINS_ONLY) -> Callable[[View], View]:
    """Decorate a view: anonymous visitors go to the login page, non-admins get a 403."""

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not is_admin(request.user):
                raise PermissionDenied(message)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


NOT_YOUR_JOB = "This job is not one of yours."


def job_for_user(user: Any, pk: int) -> Any:
    """Return a job the user started; 404 for anyone else's (they may hold research data)."""
    job = Job.objects.select_related("project").filter(pk=pk, owner_id=user.pk).first()
    if job is None:
        raise Http404(NOT_YOUR_JOB)
    return job
