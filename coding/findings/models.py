"""Candidate quotes: an excerpt proposed as a quote for one of its values, and a lead's decision.

A candidate hangs off its excerpt with CASCADE, so withdrawing a participant (which deletes
their interviews and so their excerpts) removes every quote chosen from their words.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from ..models import CodebookValue, Excerpt

CAPTION_MAX = 200


class QuoteCandidate(models.Model):
    class Status(models.TextChoices):
        CANDIDATE = "candidate", "Waiting for a decision"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"

    excerpt = models.ForeignKey(Excerpt, on_delete=models.CASCADE, related_name="quote_candidates")
    value = models.ForeignKey(CodebookValue, on_delete=models.PROTECT, related_name="+")
    caption = models.CharField(
        max_length=CAPTION_MAX, help_text="A short plain-language sentence saying why it matters."
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CANDIDATE)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["excerpt", "value"], name="quote_unique_excerpt_value"),
            models.CheckConstraint(
                condition=Q(status__in=["candidate", "approved", "declined"]),
                name="quote_status_known",
            ),
            # A decision always says who made it and when; a waiting candidate has neither.
            models.CheckConstraint(
                condition=(
                    Q(status="candidate", decided_by__isnull=True, decided_at__isnull=True)
                    | (
                        ~Q(status="candidate")
                        & Q(decided_by__isnull=False, decided_at__isnull=False)
                    )
                ),
                name="quote_decision_recorded",
            ),
        ]
        ordering = ["created", "id"]

    def __str__(self) -> str:
        return f"Quote for {self.value} from excerpt {self.excerpt_id} ({self.status})"
