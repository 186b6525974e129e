"""The findings pack's versions and the feedback on them (member checking).

A version is saved when the team publishes a draft: its number, date, who published it and a
frozen snapshot of the pack's content (figures as an evaluator may see them, quotes as
references that are looked up again each time, so a withdrawn participant's words never
outlive them). Feedback records what people outside the app said about a version and what
the team changed; the next version shows it as "You said, we did".
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from ..models import ResearchProject

ALL_PROJECTS = "all"


class PackVersion(models.Model):
    """One published draft of a findings pack (a project's, or the pack across projects)."""

    # Empty for the pack across projects; its projects are listed in the snapshot.
    project = models.ForeignKey(
        ResearchProject,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="findings_packs",
    )
    number = models.PositiveIntegerField()
    created = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(
        max_length=300, blank=True, help_text="Who this draft is for, or what is new in it."
    )
    content = models.JSONField(default=dict)

    class Meta:
        ordering = ["project__name", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "number"],
                condition=Q(project__isnull=False),
                name="pack_version_unique_number",
            ),
            models.UniqueConstraint(
                fields=["number"],
                condition=Q(project__isnull=True),
                name="pack_version_unique_number_all",
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="pack_version_number_from_1"),
        ]

    def __str__(self) -> str:
        return f"Findings pack {self.scope}, version {self.number}"

    def get_absolute_url(self) -> str:
        return reverse("findings_version", args=[self.scope, self.number])

    @property
    def scope(self) -> str:
        """The pack's address: a project's slug, or "all"."""
        return self.project.slug if self.project_id else ALL_PROJECTS

    @property
    def project_ids(self) -> list[int]:
        return [int(p["id"]) for p in self.content.get("projects", [])]


class PackFeedback(models.Model):
    """What someone said about a published version, and what the team changed ("we did")."""

    version = models.ForeignKey(PackVersion, on_delete=models.CASCADE, related_name="feedback")
    # A role or a description, not necessarily a user: "two participants from Side by Side".
    who = models.CharField(max_length=200)
    received = models.DateField(help_text="When they told us.")
    said = models.TextField()
    changed = models.TextField(blank=True, help_text="What the team changed in response.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["version__number", "received", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(who=""), name="pack_feedback_who_given"),
            models.CheckConstraint(condition=~Q(said=""), name="pack_feedback_said_given"),
        ]

    def __str__(self) -> str:
        return f"Feedback from {self.who} on {self.version}"
