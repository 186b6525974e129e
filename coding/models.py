"""The coding domain: projects, participants, interviews, the codebook and excerpts.

Offsets of excerpts count Unicode code points of `Interview.text` (Python string indices), the
unit REFI-QDA uses for plain-text selections.
"""

from __future__ import annotations

import hashlib
import unicodedata
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from .colours import COLOUR_RE, TEXT_COLOUR, contrast_ratio, is_readable

COLOUR_VALIDATOR = RegexValidator(COLOUR_RE, "Enter a colour such as #cfe2ff.")
SHORTCUT_VALIDATOR = RegexValidator(r"^[1-9a-z]?$", "A shortcut is one digit 1-9 or a letter.")

LOW_CONTRAST = (
    "This colour is too dark for highlighted text to stay readable (contrast {ratio:.1f}:1 with "
    "the text; at least 4.5:1 is needed). Choose a lighter colour."
)


EXCERPT_TEXT_MISMATCH = "The excerpt's text must equal the interview text between its offsets."
EXCERPT_OUT_OF_RANGE = "The excerpt ends after the end of the interview text."


def normalise_text(text: str) -> str:
    """Return text in the stored form: NFC, `\\n` line endings, no trailing spaces on lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def count_words(text: str) -> int:
    return len(text.split())


# Slugs that name something other than one project in URLs.
RESERVED_PROJECT_SLUGS = ("all",)


class ResearchProject(models.Model):
    class Kind(models.TextChoices):
        EVALUATION = "evaluation", "Evaluation"
        DEVELOPMENT = "development", "Development project"

    class QuoteAttribution(models.TextChoices):
        PSEUDONYM = "pseudonym", "By pseudonym"
        NONE = "none", "Not attributed"

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.EVALUATION)
    is_synthetic = models.BooleanField(
        default=False, help_text="Fictional demonstration data, not real interviews."
    )
    blind_coding = models.BooleanField(
        default=False,
        help_text="Hide other coders' excerpts from a peer researcher until both of them have "
        "marked the interview done, so the second coder is not led by the first.",
    )
    quote_attribution = models.CharField(
        max_length=10,
        choices=QuoteAttribution.choices,
        default=QuoteAttribution.NONE,
        help_text="How an approved quote is attributed in a findings pack: by the speaker's "
        "pseudonym, or not at all.",
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(quote_attribution__in=["pseudonym", "none"]),
                name="project_quote_attribution_known",
            ),
            # "all" names the findings pack across projects (/findings/all/), so no project
            # may take it as its slug.
            models.CheckConstraint(
                condition=~Q(slug__in=RESERVED_PROJECT_SLUGS), name="project_slug_not_reserved"
            ),
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("project_detail", args=[self.slug])

    def clean(self) -> None:
        if self.slug in RESERVED_PROJECT_SLUGS:
            raise ValidationError(
                {"slug": f"“{self.slug}” is kept for pages about every project; choose another."}
            )


class Membership(models.Model):
    class Role(models.TextChoices):
        PEER_RESEARCHER = "peer_researcher", "Peer researcher"
        EVALUATOR = "evaluator", "Evaluator"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    project = models.ForeignKey(
        ResearchProject, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    # A project lead decides the team's codebook proposals (accept or decline, with a reason).
    is_lead = models.BooleanField(
        default=False, help_text="Decides the team's proposals to change the codebook."
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "project"], name="membership_unique_user"),
            # Evaluators read and change nothing, so they cannot lead the codebook either.
            models.CheckConstraint(
                condition=Q(is_lead=False) | Q(role="peer_researcher"),
                name="membership_lead_is_peer_researcher",
            ),
        ]
        ordering = ["project__name", "user__username"]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} in {self.project}"


class Participant(models.Model):
    class Role(models.TextChoices):
        PARTICIPANT = "participant", "Participant"
        FACILITATOR = "facilitator", "Facilitator"
        STAFF = "staff", "Staff"
        STAKEHOLDER = "stakeholder", "Stakeholder"
        OTHER = "other", "Other"

    class QuoteConsent(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"
        NOT_ASKED = "not_asked", "Not asked"

    guid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey(
        ResearchProject, on_delete=models.CASCADE, related_name="participants"
    )
    pseudonym = models.CharField(max_length=100)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.PARTICIPANT)
    # Case attributes (age band, gender, ethnicity, ...) as a flat {name: value} object of strings.
    attributes = models.JSONField(default=dict, blank=True)
    # Whether the participant agreed that their words may be quoted in findings. Only "yes"
    # lets an approved quote reach a findings pack; not asked counts as no.
    quote_consent = models.CharField(
        max_length=10,
        choices=QuoteConsent.choices,
        default=QuoteConsent.NOT_ASKED,
        help_text="Did the participant agree to be quoted in findings? Only yes allows quotes.",
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "pseudonym"], name="participant_unique_pseudonym"
            ),
            models.CheckConstraint(
                condition=Q(quote_consent__in=["yes", "no", "not_asked"]),
                name="participant_quote_consent_known",
            ),
        ]
        ordering = ["project__name", "pseudonym"]

    def __str__(self) -> str:
        return self.pseudonym

    def clean(self) -> None:
        if not isinstance(self.attributes, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in self.attributes.items()
        ):
            raise ValidationError({"attributes": "Attributes must be pairs of names and texts."})


class ImportBatch(models.Model):
    class Status(models.TextChoices):
        IMPORTED = "imported", "Imported"
        ROLLED_BACK = "rolled_back", "Rolled back"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="import_batches",
    )
    created = models.DateTimeField(auto_now_add=True)
    source_name = models.CharField(max_length=255)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.IMPORTED)
    interview_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    warning_count = models.PositiveIntegerField(default=0)
    # Structured report: {"rows": [{"row", "file", "status", "warnings", "errors", ...}]}.
    report = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name_plural = "import batches"

    def __str__(self) -> str:
        return f"{self.source_name} ({self.created:%Y-%m-%d %H:%M})"


class Interview(models.Model):
    class Mode(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        PHONE = "phone", "Phone"
        ONLINE = "online", "Online"

    guid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey(
        ResearchProject, on_delete=models.CASCADE, related_name="interviews"
    )
    # Withdrawing a participant removes their interviews with them.
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="interviews"
    )
    title = models.CharField(max_length=255, blank=True, help_text="Source file or label.")
    interviewer = models.CharField(max_length=100, blank=True)
    date = models.DateField(null=True, blank=True)
    mode = models.CharField(max_length=20, choices=Mode.choices, default=Mode.IN_PERSON)
    text = models.TextField(help_text="Normalised plain text: Unicode NFC, \\n line endings.")
    content_hash = models.CharField(max_length=64, editable=False)
    word_count = models.PositiveIntegerField(default=0, editable=False)
    import_batch = models.ForeignKey(
        ImportBatch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="interviews",
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "content_hash"], name="interview_unique_content"
            )
        ]
        ordering = ["project__name", "date", "id"]

    def __str__(self) -> str:
        return self.title or f"Interview with {self.participant}"

    def save(self, *args, **kwargs) -> None:
        self.refresh_derived_fields()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("interview_detail", args=[self.pk])

    def refresh_derived_fields(self) -> None:
        """Normalise the text and recompute its hash and word count (call before bulk_create)."""
        self.text = normalise_text(self.text)
        self.content_hash = content_hash(self.text)
        self.word_count = count_words(self.text)

    def clean(self) -> None:
        if not self.text or not self.text.strip():
            raise ValidationError({"text": "An interview needs some text."})
        if (
            self.participant_id
            and self.project_id
            and self.participant.project_id != self.project_id
        ):
            raise ValidationError({"participant": "The participant belongs to another project."})


class CodebookValueQuerySet(models.QuerySet):
    def for_project(self, project: ResearchProject | int) -> CodebookValueQuerySet:
        """Values a project codes with: the shared framework plus the project's own."""
        project_id = project if isinstance(project, int) else project.pk
        return self.filter(Q(project__isnull=True) | Q(project_id=project_id))

    def active(self) -> CodebookValueQuerySet:
        return self.filter(is_active=True)

    def shared(self) -> CodebookValueQuerySet:
        """Values of the team's codebook, without anyone's provisional values (those still
        proposed, and those declined or withdrawn)."""
        return self.filter(proposed_by__isnull=True).exclude(status=CodebookValue.Status.PROPOSED)

    def visible_to(self, user: Any) -> CodebookValueQuerySet:
        """The shared codebook plus the user's own provisional values."""
        user_id = getattr(user, "pk", None)
        return self.filter(
            Q(proposed_by__isnull=True, status__in=["active", "retired"])
            | Q(proposed_by_id=user_id)
        )


class CodebookValue(models.Model):
    """A value of the codebook: shared by all projects (project empty) or one project's own.

    Values are retired (is_active off), never deleted while excerpts use them, so the codebook
    can change without breaking earlier coding. A proposed value is provisional: made while
    coding, seen and used by its proposer only until the team decides its proposal.
    `is_active` means "can be applied": active and proposed values, not retired ones; older
    code retires a value by turning `is_active` off alone, so `current_status` reads both.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PROPOSED = "proposed", "Proposed"
        RETIRED = "retired", "Retired"

    guid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey(
        ResearchProject,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="values",
        help_text="Empty for the shared framework; a project for a value of its own.",
    )
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    slug = models.SlugField(max_length=60)
    name = models.CharField(max_length=100)
    short_definition = models.CharField(max_length=300, blank=True)
    definition = models.TextField(blank=True, help_text="The full definition.")
    when_to_use = models.TextField(blank=True)
    when_not_to_use = models.TextField(blank=True)
    colour = models.CharField(max_length=7, default="#cfe2ff", validators=[COLOUR_VALIDATOR])
    shortcut = models.CharField(max_length=1, blank=True, validators=[SHORTCUT_VALIDATOR])
    order = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who made it while coding: set while it is provisional (also once declined).",
    )
    # A merge retires this value and moves its tags to another one; the link keeps its history.
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_from"
    )
    # Excerpts the team chose to show what the value means.
    examples = models.ManyToManyField(
        "Excerpt", blank=True, related_name="example_of", help_text="Example excerpts."
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = CodebookValueQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "slug"], name="value_unique_slug_in_project"
            ),
            models.UniqueConstraint(
                fields=["slug"],
                condition=Q(project__isnull=True),
                name="value_unique_slug_in_framework",
            ),
            models.UniqueConstraint(
                fields=["project", "name"], name="value_unique_name_in_project"
            ),
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(project__isnull=True),
                name="value_unique_name_in_framework",
            ),
            models.CheckConstraint(condition=~Q(parent=F("id")), name="value_not_own_parent"),
            # Only a project's own values can be provisional: the framework is everyone's.
            models.CheckConstraint(
                condition=~Q(status="proposed") | Q(project__isnull=False),
                name="value_proposed_in_a_project",
            ),
        ]
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.sync_status()
        super().save(*args, **kwargs)

    @property
    def is_framework(self) -> bool:
        return self.project_id is None

    @property
    def current_status(self) -> str:
        return self.status if self.is_active else self.Status.RETIRED

    def sync_status(self) -> None:
        """Keep status and is_active in step when only one of them was changed (the admin)."""
        if not self.is_active:
            self.status = self.Status.RETIRED
        elif self.status == self.Status.RETIRED:
            self.status = self.Status.ACTIVE

    def clean(self) -> None:
        self.sync_status()
        if COLOUR_RE.match(self.colour or "") and not is_readable(self.colour):
            ratio = contrast_ratio(self.colour, TEXT_COLOUR)
            raise ValidationError({"colour": LOW_CONTRAST.format(ratio=ratio)})
        if self.parent_id and self.parent.project_id not in (None, self.project_id):
            raise ValidationError({"parent": "A sub-value must sit under a value it can see."})
        if self.project_id is None and self.slug:
            clash = CodebookValue.objects.filter(slug=self.slug).exclude(pk=self.pk)
            if clash.filter(project__isnull=False).exists():
                raise ValidationError({"slug": "A project already has a value with this slug."})
        elif self.slug:
            clash = CodebookValue.objects.filter(slug=self.slug, project__isnull=True)
            if clash.exclude(pk=self.pk).exists():
                raise ValidationError({"slug": "The shared framework already has this slug."})


class Excerpt(models.Model):
    """A span of an interview, tagged by one coder with one or more values."""

    guid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="excerpts")
    coder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="excerpts"
    )
    start = models.PositiveIntegerField(help_text="First code point of the span (from 0).")
    end = models.PositiveIntegerField(help_text="Code point just after the span.")
    text = models.TextField()
    note = models.TextField(blank=True)
    # The consensus layer: excerpts written from the team's decisions (by the "consensus"
    # system account), kept out of every per-person figure.
    is_consensus = models.BooleanField(default=False, editable=False)
    values = models.ManyToManyField(
        CodebookValue,
        through="ExcerptValue",
        through_fields=("excerpt", "value"),
        related_name="excerpts",
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(start__gte=0), name="excerpt_start_not_negative"),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="excerpt_end_after_start"),
        ]
        indexes = [models.Index(fields=["interview", "start"], name="excerpt_interview_start")]
        ordering = ["interview_id", "start", "end", "id"]

    def __str__(self) -> str:
        snippet = self.text if len(self.text) <= 60 else self.text[:57] + "..."
        return f"{snippet!r} ({self.start}-{self.end})"

    def clean(self) -> None:
        if self.start is None or self.end is None or not self.interview_id:
            return
        if self.end > len(self.interview.text):
            raise ValidationError({"end": EXCERPT_OUT_OF_RANGE})
        if self.text != self.interview.text[self.start : self.end]:
            raise ValidationError({"text": EXCERPT_TEXT_MISMATCH})


class ExcerptValue(models.Model):
    """One value on one excerpt. Values are protected: retire a value instead of deleting it.

    `version` is the project's codebook version the tag was made under (every path that writes
    tags sets it; `save` fills it in for the others); `recoded_from` keeps the value a
    merge or split moved the tag away from, so earlier versions can still be counted.
    """

    excerpt = models.ForeignKey(Excerpt, on_delete=models.CASCADE, related_name="tags")
    value = models.ForeignKey(CodebookValue, on_delete=models.PROTECT, related_name="tags")
    version = models.ForeignKey(
        "CodebookVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="tags"
    )
    recoded_from = models.ForeignKey(
        CodebookValue, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["excerpt", "value"], name="excerpt_value_unique")
        ]

    def __str__(self) -> str:
        return f"{self.value} on excerpt {self.excerpt_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.version_id is None:
            # A tag written outside the coding services (the admin, a script) still records
            # the codebook it was made under. Imported here: versions imports these models.
            from .versions import current_version

            self.version = current_version(self.excerpt.interview.project_id)
        super().save(*args, **kwargs)


class IdempotencyKey(models.Model):
    """A key a coder's page sent with a new excerpt, so that a retried save is not done twice.

    The unique constraint is what makes two simultaneous retries safe: the second insert waits
    for the first transaction and then fails, and the request answers with the first's excerpt.
    """

    coder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.UUIDField()
    # Kept (empty) when the excerpt is deleted: a late retry must not make it again.
    excerpt = models.ForeignKey(
        Excerpt, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["coder", "key"], name="idempotency_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.key} by {self.coder_id}"


class CodingProgress(models.Model):
    """One coder's state on one interview: a reflexive memo and whether they are done."""

    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="progress")
    coder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coding_progress"
    )
    memo = models.TextField(blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["interview", "coder"], name="progress_unique_coder")
        ]
        verbose_name_plural = "coding progress"

    def __str__(self) -> str:
        return f"{self.coder} on {self.interview}"

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


AUDIT_IS_APPEND_ONLY = "The audit trail is append-only: its records cannot be changed or deleted."


class AuditImmutableError(Exception):
    pass


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs: object) -> int:
        raise AuditImmutableError(AUDIT_IS_APPEND_ONLY)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditImmutableError(AUDIT_IS_APPEND_ONLY)

    def scrub(self, note: str) -> int:
        """Blank the snapshots of these events; only data-protection services call this."""
        return super().update(before=None, after=None, object_repr=note)


class AuditEvent(models.Model):
    """An append-only record of a change: who, when, what, and the values before and after.

    Rows are never changed or deleted, with one exception: withdrawal and redaction blank the
    snapshots that hold a participant's words (`audit_scrub`), as research ethics require.
    """

    class Action(models.TextChoices):
        CREATE = "create", "Created"
        UPDATE = "update", "Changed"
        DELETE = "delete", "Deleted"
        IMPORT = "import", "Imported"
        ROLLBACK = "rollback", "Rolled back"
        EXPORT = "export", "Exported"
        WITHDRAW = "withdraw", "Withdrew participant"
        REDACT = "redact", "Redacted"

    created = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Kept apart from the foreign key so the record still says who after an account goes.
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    model = models.CharField(max_length=60, help_text="What kind of thing changed.")
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=255, blank=True)
    # Plain ids rather than foreign keys: the record must outlive what it describes.
    project_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    participant_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.actor_name or 'system'} {self.action} {self.model} {self.object_id}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise AuditImmutableError(AUDIT_IS_APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise AuditImmutableError(AUDIT_IS_APPEND_ONLY)


class ValueTally(models.Model):
    """Excerpts and coded characters per interview, coder and value: the comparison's input.

    Kept in step with the excerpts by database triggers (they queue changed interviews in
    `TallyQueue`) and `coding.analysis.tallies.tallies_refresh`, so that comparing a million
    tags sums tens of thousands of rows instead. Derived data: never edit by hand.
    """

    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="+")
    coder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    value = models.ForeignKey(CodebookValue, on_delete=models.CASCADE, related_name="+")
    excerpts = models.PositiveIntegerField()
    chars = models.PositiveIntegerField(help_text="Characters in the union of the spans.")
    first_excerpt = models.BigIntegerField(help_text="Smallest excerpt id, for the one-coder rule.")
    text_length = models.PositiveIntegerField()
    # Facts about the interview's coding, so that the coder rules need no joins at query time.
    coders = models.PositiveIntegerField(default=1, help_text="People who coded the interview.")
    value_coders = models.PositiveIntegerField(default=1, help_text="People who applied the value.")
    is_primary = models.BooleanField(default=True, help_text="Made the interview's first excerpt.")
    is_first_row = models.BooleanField(default=False, help_text="One row per interview is.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["interview", "coder", "value"], name="value_tally_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.value_id} by {self.coder_id} in {self.interview_id}: {self.excerpts}"


class TallyQueue(models.Model):
    """Interviews whose excerpts changed since their tallies were counted (filled by triggers)."""

    interview_id = models.BigIntegerField(primary_key=True)

    def __str__(self) -> str:
        return str(self.interview_id)


# Background jobs keep their model beside their services, and the codebook's proposals and
# versions live in their own module; importing them here registers them with the app.
from .codebook_models import (  # noqa: E402
    CodebookVersion,
    Proposal,
    ProposalComment,
    ProposalVote,
)
from .jobs.models import Job  # noqa: E402

__all__ = ["CodebookVersion", "Job", "Proposal", "ProposalComment", "ProposalVote"]

# Candidate quotes and the findings pack's versions (in `findings/`) and the team's review of coding
# (discussions, consensus, calibration) live in their own modules.
from .findings.models import QuoteCandidate  # noqa: E402, F401
from .findings.pack_models import PackFeedback, PackVersion  # noqa: E402, F401
from .review.models import (  # noqa: E402, F401
    CalibrationAnswer,
    CalibrationAttempt,
    CalibrationPassage,
    CalibrationSet,
    Comment,
    ConsensusDecision,
    Discussion,
    DiscussionRead,
)
