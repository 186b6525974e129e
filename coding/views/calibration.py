"""Coder calibration pages: sets of reference passages, practising on them, the results."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ..access import NOT_YOUR_PROJECT, READ_ONLY_ROLE, can_code, project_for_user
from ..models import CalibrationAttempt, CalibrationSet, CodebookValue
from ..review import calibration as service
from ..review.calibration_forms import CalibrationSetForm, PassageForm, answers_from
from ..services import CodingError

LEADS_ONLY = "Only the project's leads and admins set up calibration passages."
NOT_YOURS = "Only the person who practised and the project's leads see these results."


def _set(request: HttpRequest, pk: int) -> tuple[CalibrationSet, str]:
    calibration = CalibrationSet.objects.select_related("project").filter(pk=pk).first()
    if calibration is None:
        raise Http404(NOT_YOUR_PROJECT)
    _, role = project_for_user(request.user, calibration.project.slug)
    return calibration, role


def _lead(request: HttpRequest, calibration: CalibrationSet) -> None:
    if not service.is_lead(request.user, calibration.project):
        raise PermissionDenied(LEADS_ONLY)


@login_required
def calibration_list(request: HttpRequest, slug: str) -> HttpResponse:
    project, role = project_for_user(request.user, slug)
    lead = service.is_lead(request.user, project)
    if request.method == "POST":
        if not lead:
            raise PermissionDenied(LEADS_ONLY)
        form = CalibrationSetForm(request.POST)
        if form.is_valid():
            try:
                made = service.calibration_set_create(
                    project=project, name=form.cleaned_data["name"], user=request.user
                )
            except CodingError as exc:
                form.add_error("name", exc.message)
            else:
                return redirect("calibration_set", pk=made.pk)
    else:
        form = CalibrationSetForm()
    sets = project.calibration_sets.prefetch_related("passages")
    attempts = CalibrationAttempt.objects.filter(calibration__project=project).select_related(
        "coder", "calibration"
    )
    if not lead:
        attempts = attempts.filter(coder=request.user)
    return render(
        request,
        "coding/review/calibration_list.html",
        {
            "project": project,
            "sets": sets,
            "attempts": attempts.order_by("-started"),
            "lead": lead,
            "can_practise": can_code(role),
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@login_required
def calibration_set(request: HttpRequest, pk: int) -> HttpResponse:
    """A set's reference passages (leads only: others would see the answers)."""
    calibration, _ = _set(request, pk)
    _lead(request, calibration)
    form = PassageForm(request.POST or None, project=calibration.project)
    if request.method == "POST" and form.is_valid():
        try:
            service.calibration_passage_add(
                calibration=calibration, user=request.user, **form.cleaned_data
            )
        except CodingError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("calibration_set", pk=calibration.pk)
    passages = calibration.passages.select_related("interview").prefetch_related("values")
    return render(
        request,
        "coding/review/calibration_set.html",
        {"calibration": calibration, "passages": passages, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def calibration_start(request: HttpRequest, pk: int) -> HttpResponse:
    calibration, role = _set(request, pk)
    if not can_code(role):
        raise PermissionDenied(READ_ONLY_ROLE)
    try:
        attempt = service.calibration_attempt_start(calibration=calibration, coder=request.user)
    except CodingError as exc:
        messages.error(request, exc.message)
        return redirect("calibration_list", slug=calibration.project.slug)
    return redirect("calibration_attempt", pk=attempt.pk)


def _attempt(request: HttpRequest, pk: int) -> CalibrationAttempt:
    attempt = (
        CalibrationAttempt.objects.select_related("calibration__project", "coder")
        .filter(pk=pk)
        .first()
    )
    if attempt is None:
        raise Http404(NOT_YOUR_PROJECT)
    project_for_user(request.user, attempt.calibration.project.slug)
    return attempt


@login_required
def calibration_attempt(request: HttpRequest, pk: int) -> HttpResponse:
    """Code the set's passages without seeing the reference."""
    attempt = _attempt(request, pk)
    if attempt.coder_id != request.user.pk:
        raise PermissionDenied(service.NOT_YOUR_ATTEMPT)
    if attempt.finished_at is not None:
        return redirect("calibration_results", pk=attempt.pk)
    passages = list(attempt.calibration.passages.select_related("interview"))
    codebook = list(
        CodebookValue.objects.for_project(attempt.calibration.project_id)
        .active()
        .order_by("order", "name")
    )
    error = ""
    if request.method == "POST":
        answers = answers_from(request.POST, passages, codebook)
        try:
            service.calibration_attempt_submit(attempt=attempt, coder=request.user, answers=answers)
        except CodingError as exc:
            error = exc.message
        else:
            return redirect("calibration_results", pk=attempt.pk)
    context: dict[str, Any] = {
        "attempt": attempt,
        "passages": passages,
        "codebook": codebook,
        "error": error,
    }
    return render(
        request, "coding/review/calibration_attempt.html", context, status=400 if error else 200
    )


@login_required
def calibration_results(request: HttpRequest, pk: int) -> HttpResponse:
    attempt = _attempt(request, pk)
    if attempt.coder_id != request.user.pk and not service.is_lead(
        request.user, attempt.calibration.project
    ):
        raise PermissionDenied(NOT_YOURS)
    if attempt.finished_at is None:
        return redirect("calibration_attempt", pk=attempt.pk)
    return render(
        request,
        "coding/review/calibration_results.html",
        {
            "results": service.attempt_results(attempt),
            "history": service.attempt_history(attempt.calibration, attempt.coder),
        },
    )
