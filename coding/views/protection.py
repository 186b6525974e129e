"""Admin pages that protect participants: withdrawing a participant, masking a transcript."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from ..access import staff_required
from ..models import Interview, Participant
from ..protection import (
    ProtectionError,
    find_occurrences,
    interview_redact_name,
    participant_withdraw,
    participant_withdrawal_counts,
)
from ..wording import counted

ADMINS_ONLY = "Only admins can withdraw participants or mask transcripts."
CONTEXT = 40  # characters shown either side of each occurrence in the preview
PREVIEW_LIMIT = 50


admin_required = staff_required(ADMINS_ONLY)


@admin_required
def participant_withdraw_view(request: HttpRequest, pk: int) -> HttpResponse:
    participant = get_object_or_404(Participant.objects.select_related("project"), pk=pk)
    if request.method == "POST":
        result = participant_withdraw(participant=participant, actor=request.user)
        c = result.counts
        messages.success(
            request,
            f"{result.pseudonym} has been withdrawn. Removed: "
            f"{counted(c.interviews, 'interview')}, "
            f"{counted(c.excerpts, 'excerpt')} with {counted(c.tags, 'value tag')}, "
            f"{counted(c.memos, 'memo')}, {counted(c.attributes, 'attribute')} and "
            f"{counted(c.quotes, 'quote')}.",
        )
        return redirect("admin:coding_participant_changelist")
    context = {"participant": participant, "counts": participant_withdrawal_counts(participant)}
    return render(request, "coding/protection/withdraw.html", context)


class RedactForm(forms.Form):
    name = forms.CharField(
        label="Name or words to mask",
        max_length=200,
        help_text="Every whole-word match, in any case, is masked in this transcript.",
    )


def _previews(text: str, spans: list[tuple[int, int]]) -> list[tuple[str, str, str]]:
    return [
        (text[max(0, s - CONTEXT) : s], text[s:e], text[e : e + CONTEXT])
        for s, e in spans[:PREVIEW_LIMIT]
    ]


@admin_required
def interview_redact_view(request: HttpRequest, pk: int) -> HttpResponse:
    # The name travels only in POST bodies, never in a URL that a server log would keep.
    interview = get_object_or_404(Interview.objects.select_related("participant"), pk=pk)
    form = RedactForm(request.POST or None)
    context: dict[str, Any] = {"interview": interview, "form": form}
    if request.method == "POST" and form.is_valid():
        name = form.cleaned_data["name"]
        try:
            if "confirm" in request.POST:
                result = interview_redact_name(interview=interview, name=name, actor=request.user)
                messages.success(
                    request,
                    f"Masked {counted(len(result.spans), 'occurrence')} "
                    f"({counted(result.characters, 'character')}). "
                    f"{counted(result.excerpts_masked, 'excerpt')} "
                    f"{'was' if result.excerpts_masked == 1 else 'were'} masked too; their "
                    "positions did not change.",
                )
                return redirect(reverse("interview_redact", args=[interview.pk]))
            spans = find_occurrences(interview.text, name)
        except ProtectionError as error:
            form.add_error("name", str(error))
        else:
            context.update(
                searched=True,
                spans=spans,
                previews=_previews(interview.text, spans),
                limit=PREVIEW_LIMIT,
            )
    return render(request, "coding/protection/redact.html", context)
