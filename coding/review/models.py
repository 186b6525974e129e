"""Models of the team's review of coding: discussions, decisions and calibration.

Everything here hangs off an interview with CASCADE, so withdrawing a participant (which
deletes their interviews) removes the discussions, decisions and calibration passages too.
Passages count Unicode code points of `Interview.text`, like excerpts.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from ..models import CodebookValue, Excerpt, Interview, ResearchProject

PASSAGE_OUT_OF_RANGE = "The passage ends after the end of the interview text."


def _span_constraints(prefix: str) -> list[models.CheckConstraint]:
    return [
        models.CheckConstraint(condition=Q(start__gte=0), name=f"{prefix}_start_not_negative"),
        models.CheckConstraint(condition=Q(end__gt=F("start")), name=f"{prefix}_end_after_start"),
    ]


class Discussion(models.Model):
    """A thread about an excerpt or a passage of an interview."""

    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="discussions")
    # The thread outlives its excerpt: it keeps the passage (start, end) it was about.
    excerpt = models.ForeignKey(
        Excerpt, on_delete=models.SET_NULL, null=True, blank=True, related_name="discussions"
    )
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    # Set when the thread was opened from the disagreement queue about one value.
    value = models.ForeignKey(
        CodebookValue, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    last_activity = models.DateTimeField(db_index=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        constraints = _span_constraints("discussion")
        ordering = ["-last_activity", "-id"]

    def __str__(self) -> str:
        return f"Discussion on {self.interview} ({self.start}-{self.end})"

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None

    @property
    def passage(self) -> str:
        return self.interview.text[self.start : self.end]


class Comment(models.Model):
    discussion = models.ForeignKey(Discussion, on_delete=models.CASCADE, related_name="comments")
    reply_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField()
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created", "id"]

    def __str__(self) -> str:
        return f"Comment {self.pk} on discussion {self.discussion_id}"


class DiscussionRead(models.Model):
    """How far one member has read a thread: comments after `read_at` are unread."""

    discussion = models.ForeignKey(Discussion, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["discussion", "user"], name="discussion_read_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.discussion_id} at {self.read_at}"


class ConsensusDecision(models.Model):
    """What the team decided about one passage where coders differ on one value."""

    class Outcome(models.TextChoices):
        APPLY = "apply", "Apply these values"
        NO_VALUE = "none", "No value"
        KEEP_BOTH = "keep_both", "Keep both codings"

    interview = models.ForeignKey(
        Interview, on_delete=models.CASCADE, related_name="consensus_decisions"
    )
    value = models.ForeignKey(CodebookValue, on_delete=models.PROTECT, related_name="+")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    values = models.ManyToManyField(CodebookValue, blank=True, related_name="+")
    reason = models.TextField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            *_span_constraints("decision"),
            models.UniqueConstraint(
                fields=["interview", "value", "start", "end"], name="decision_unique_passage"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="decision_reason_not_empty"),
        ]
        ordering = ["interview_id", "start", "end", "id"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} on {self.interview_id} ({self.start}-{self.end})"


class CalibrationSet(models.Model):
    """Reference passages with agreed values that a new coder practises on."""

    project = models.ForeignKey(
        ResearchProject, on_delete=models.CASCADE, related_name="calibration_sets"
    )
    name = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="calibration_unique_name")
        ]
        ordering = ["project__name", "name"]

    def __str__(self) -> str:
        return self.name


class CalibrationPassage(models.Model):
    calibration = models.ForeignKey(
        CalibrationSet, on_delete=models.CASCADE, related_name="passages"
    )
    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="+")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    values = models.ManyToManyField(CodebookValue, blank=True, related_name="+")

    class Meta:
        constraints = _span_constraints("calibration_passage")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Passage {self.start}-{self.end} of {self.interview_id}"

    @property
    def text(self) -> str:
        return self.interview.text[self.start : self.end]


class CalibrationAttempt(models.Model):
    """One go at a calibration set by one coder; repeats are kept to show drift over time."""

    calibration = models.ForeignKey(
        CalibrationSet, on_delete=models.CASCADE, related_name="attempts"
    )
    coder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    started = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started", "id"]

    def __str__(self) -> str:
        return f"{self.coder} on {self.calibration} ({self.started:%Y-%m-%d})"


class CalibrationAnswer(models.Model):
    attempt = models.ForeignKey(
        CalibrationAttempt, on_delete=models.CASCADE, related_name="answers"
    )
    passage = models.ForeignKey(CalibrationPassage, on_delete=models.CASCADE, related_name="+")
    values = models.ManyToManyField(CodebookValue, blank=True, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["attempt", "passage"], name="calibration_answer_unique")
        ]

    def __str__(self) -> str:
        return f"Answer to {self.passage_id} in attempt {self.attempt_id}"
