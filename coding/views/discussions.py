"""Discussion threads: the list of open threads, a thread, starting one, replying, resolving."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ..access import NOT_YOUR_PROJECT, can_code, interview_for_user
from ..analysis import disclosure
from ..analysis.reading import ReadingPolicy, evaluator_reading, project_reading
from ..models import Discussion, Interview
from ..review import discussions
from ..review.forms import CommentForm, DiscussionForm
from ..services import CodingError


def _discussion(request: HttpRequest, pk: int, *, write: bool = False) -> tuple[Discussion, str]:
    discussion = Discussion.objects.filter(pk=pk).first()
    if discussion is None:
        raise Http404(NOT_YOUR_PROJECT)
    discussion.interview, role = interview_for_user(
        request.user, discussion.interview_id, write=write
    )
    threads = Discussion.objects.filter(pk=pk)
    if not discussions.discussions_visible(
        threads, request.user, [discussion.interview.project_id]
    ).exists():
        raise Http404(NOT_YOUR_PROJECT)  # blind coding: about an excerpt not to be seen yet
    return discussion, role


def _shown(thread: Discussion, reading: ReadingPolicy | None) -> Discussion:
    """The thread as the reader may see it: for an evaluator (disclosure control, as on the
    interview's reading view) no pseudonym in the interview's name, no hidden value named."""
    thread.interview_label = str(thread.interview)
    thread.shown_value = thread.value
    if reading is not None:
        thread.interview_label = f"Interview {thread.interview_id}"
        if thread.value is not None and thread.value.slug in reading.hidden_slugs:
            thread.shown_value = None
    return thread


@login_required
def discussion_list(request: HttpRequest) -> HttpResponse:
    resolved = request.GET.get("show") == "resolved"
    threads = list(discussions.discussion_list(request.user, resolved=resolved))
    masked = disclosure.masked_projects(
        request.user, tuple({t.interview.project_id for t in threads})
    )
    readings: dict[int, ReadingPolicy | None] = {}
    for project_id in masked:  # one cached look-up per project an evaluator reads
        try:
            readings[project_id] = project_reading(project_id)
        except PermissionDenied:
            readings[project_id] = None  # too small to show: its threads stay closed
    threads = [
        _shown(t, readings[t.interview.project_id] if t.interview.project_id in masked else None)
        for t in threads
        if t.interview.project_id not in masked or readings[t.interview.project_id] is not None
    ]
    return render(
        request,
        "coding/review/discussion_list.html",
        {"threads": threads, "resolved": resolved},
    )


@login_required
def discussion_detail(request: HttpRequest, pk: int) -> HttpResponse:
    discussion, role = _discussion(request, pk)
    # Disclosure control: 403 in a project too small to show an evaluator.
    _shown(discussion, evaluator_reading(role, discussion.interview.project_id))
    comments = list(discussions.discussion_comments(discussion))
    discussions.discussion_mark_read(discussion=discussion, user=request.user)
    return render(
        request,
        "coding/review/discussion_detail.html",
        {
            "discussion": discussion,
            "comments": comments,
            "can_write": can_code(role),
            "form": CommentForm(),
        },
    )


def _new_context(interview: Interview, form: DiscussionForm) -> dict[str, Any]:
    return {"interview": interview, "form": form, "excerpts": form.excerpt_choices}


@login_required
def discussion_new(request: HttpRequest, pk: int) -> HttpResponse:
    interview, _ = interview_for_user(request.user, pk, write=True)
    if request.method != "POST":
        form = DiscussionForm(interview=interview, user=request.user, initial=request.GET.dict())
        return render(request, "coding/review/discussion_new.html", _new_context(interview, form))
    form = DiscussionForm(request.POST, interview=interview, user=request.user)
    if form.is_valid():
        try:
            discussion = discussions.discussion_start(
                interview=interview, user=request.user, **form.service_arguments()
            )
        except CodingError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("discussion_detail", pk=discussion.pk)
    return render(
        request, "coding/review/discussion_new.html", _new_context(interview, form), status=400
    )


@login_required
@require_POST
def discussion_comment(request: HttpRequest, pk: int) -> HttpResponse:
    discussion, _ = _discussion(request, pk, write=True)
    form = CommentForm(request.POST, discussion=discussion)
    if form.is_valid():
        try:
            discussions.comment_add(
                discussion=discussion,
                author=request.user,
                body=form.cleaned_data["body"],
                reply_to=form.cleaned_data["reply_to"],
            )
        except CodingError as exc:
            form.add_error("body", exc.message)
        else:
            return redirect("discussion_detail", pk=discussion.pk)
    comments = list(discussions.discussion_comments(discussion))
    return render(
        request,
        "coding/review/discussion_detail.html",
        {
            "discussion": _shown(discussion, None),  # only coders write
            "comments": comments,
            "can_write": True,
            "form": form,
        },
        status=400,
    )


@login_required
@require_POST
def discussion_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    discussion, _ = _discussion(request, pk, write=True)
    discussions.discussion_resolve(
        discussion=discussion, user=request.user, resolved=request.POST.get("resolved") == "1"
    )
    return redirect("discussion_detail", pk=discussion.pk)
