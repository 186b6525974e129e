"""The peer-led codebook: proposals to change it, the team's say, and its versions.

A project's codebook is the shared framework values plus the project's own. Any peer researcher
proposes a change; members comment and agree or disagree; a project lead accepts or declines
with a reason. Each accepted change makes a new numbered version holding a snapshot of the
values, and every tag (`ExcerptValue.version`) records the version it was made under.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from .models import CodebookValue, Excerpt, ResearchProject


class CodebookVersion(models.Model):
    """One numbered version of a project's codebook: who, when, what changed and why."""

    project = models.ForeignKey(
        ResearchProject, on_delete=models.CASCADE, related_name="codebook_versions"
    )
    number = models.PositiveIntegerField()
    created = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    summary = models.CharField(max_length=300, help_text="What changed.")
    reason = models.TextField(blank=True, help_text="Why.")
    proposal = models.OneToOneField(
        "Proposal",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="made_version",
    )
    # The values in this version: [{"guid", "slug", "name", "short_definition", ...}], ordered.
    snapshot = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="version_unique_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="version_number_positive"),
        ]
        ordering = ["project_id", "number"]

    def __str__(self) -> str:
        return f"{self.project} codebook version {self.number}"

    def get_absolute_url(self) -> str:
        return reverse("codebook_version", args=[self.project.slug, self.number])

    @property
    def value_guids(self) -> set[str]:
        return {row["guid"] for row in self.snapshot}


class Proposal(models.Model):
    """A proposed change to a project's codebook, discussed by the team and decided by a lead."""

    class Kind(models.TextChoices):
        ADD = "add", "Add a value"
        RENAME = "rename", "Rename a value"
        REDEFINE = "redefine", "Change a value's definition"
        MERGE = "merge", "Merge one value into another"
        SPLIT = "split", "Split a value in two"
        RETIRE = "retire", "Retire a value"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"

    project = models.ForeignKey(ResearchProject, on_delete=models.CASCADE, related_name="proposals")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # The value the change is about (A); for "add" the provisional value when made while coding.
    value = models.ForeignKey(
        CodebookValue, on_delete=models.PROTECT, null=True, blank=True, related_name="proposals"
    )
    # Merge: the value A goes into (B).
    into = models.ForeignKey(
        CodebookValue, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The names of A and B when proposed, so that the title still reads right after a rename.
    value_name = models.CharField(max_length=100, blank=True)
    into_name = models.CharField(max_length=100, blank=True)
    # Add and rename: the name; redefine and add: the definitions.
    name = models.CharField(max_length=100, blank=True)
    short_definition = models.CharField(max_length=300, blank=True)
    definition = models.TextField(blank=True)
    when_to_use = models.TextField(blank=True)
    when_not_to_use = models.TextField(blank=True)
    # Split: the names of the two new values (B and C).
    split_names = models.JSONField(default=list, blank=True)
    reason = models.TextField()
    examples = models.ManyToManyField(Excerpt, blank=True, related_name="+")
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="codebook_proposals"
    )
    created = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    # Split: the two values made on acceptance, whose recode queue the proposal tracks.
    made_values = models.ManyToManyField(CodebookValue, blank=True, related_name="+")
    recode_total = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="add") | Q(value__isnull=False), name="proposal_has_a_value"
            ),
            models.CheckConstraint(
                condition=~Q(kind="merge") | Q(into__isnull=False), name="proposal_merge_has_into"
            ),
            models.CheckConstraint(
                condition=Q(status="open") | Q(status="withdrawn") | Q(decided_at__isnull=False),
                name="proposal_decision_has_a_date",
            ),
        ]
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("proposal_detail", args=[self.project.slug, self.pk])

    @property
    def title(self) -> str:
        """A one-line summary of the change for lists and the audit trail."""
        a = self.value_name or (self.value.name if self.value_id else "")
        if self.kind == self.Kind.ADD:
            return f"add “{self.name}”"
        if self.kind == self.Kind.RENAME:
            return f"rename “{a}” to “{self.name}”"
        if self.kind == self.Kind.MERGE:
            return f"merge “{a}” into “{self.into_name or self.into.name}”"
        if self.kind == self.Kind.SPLIT:
            names = " and ".join(f"“{n}”" for n in self.split_names)
            return f"split “{a}” into {names}"
        if self.kind == self.Kind.RETIRE:
            return f"retire “{a}”"
        return f"redefine “{a}”"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class ProposalComment(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created", "id"]

    def __str__(self) -> str:
        return f"{self.author} on proposal {self.proposal_id}"


class ProposalVote(models.Model):
    """One member's agree or disagree on a proposal; they may change their mind while open."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="votes")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    agrees = models.BooleanField()
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "member"], name="proposal_vote_unique")
        ]
        ordering = ["proposal_id", "member_id"]

    def __str__(self) -> str:
        return f"{self.member} {'agrees' if self.agrees else 'disagrees'} ({self.proposal_id})"
