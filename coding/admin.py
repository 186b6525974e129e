"""Django admin for every model, with the columns, filters and searches an admin uses."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html

from .audit import admin_snapshot, audit_record, audit_scope
from .codebook_models import CodebookVersion, Proposal
from .findings.models import QuoteCandidate
from .models import (
    AuditEvent,
    CodebookValue,
    CodingProgress,
    Excerpt,
    ExcerptValue,
    ImportBatch,
    Interview,
    Membership,
    Participant,
    ResearchProject,
    TallyQueue,
    ValueTally,
)


class AuditedAdmin(admin.ModelAdmin):
    """Record every create, change and delete made through the admin in the audit trail."""

    def _record(self, request: HttpRequest, action: str, obj: Any, before: Any, after: Any) -> None:
        audit_record(
            actor=request.user,
            action=action,
            instance=obj,
            before=before,
            after=after,
            **audit_scope(obj),
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            before = None
            if change and obj.pk:
                old = type(obj).objects.filter(pk=obj.pk).first()
                before = admin_snapshot(old) if old else None
            super().save_model(request, obj, form, change)
            self._record(
                request, "update" if change else "create", obj, before, admin_snapshot(obj)
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            before, pk = admin_snapshot(obj), obj.pk
            self._record(request, "delete", obj, before, None)
            super().delete_model(request, obj)
            obj.pk = pk

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        with transaction.atomic():
            for obj in queryset:
                self._record(request, "delete", obj, admin_snapshot(obj), None)
            super().delete_queryset(request, queryset)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        with transaction.atomic():
            deleted = [
                (f.instance, admin_snapshot(f.instance))
                for f in formset.deleted_forms
                if f.instance.pk
            ]
            befores = {
                f.instance.pk: admin_snapshot(type(f.instance).objects.get(pk=f.instance.pk))
                for f in formset.initial_forms
                if f.instance.pk and f.has_changed() and f not in formset.deleted_forms
            }
            for obj, before in deleted:
                self._record(request, "delete", obj, before, None)
            super().save_formset(request, form, formset, change)
            for obj in formset.new_objects:
                self._record(request, "create", obj, None, admin_snapshot(obj))
            for obj, _fields in formset.changed_objects:
                self._record(request, "update", obj, befores.get(obj.pk), admin_snapshot(obj))


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(ResearchProject)
class ResearchProjectAdmin(AuditedAdmin):
    list_display = [
        "name",
        "slug",
        "kind",
        "is_synthetic",
        "blind_coding",
        "interview_count",
        "created",
    ]
    list_filter = ["kind", "is_synthetic", "blind_coding", "quote_attribution"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ResearchProject]:
        return super().get_queryset(request).annotate(n_interviews=Count("interviews"))

    @admin.display(description="Interviews", ordering="n_interviews")
    def interview_count(self, obj: Any) -> int:
        return obj.n_interviews


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ["user", "project", "role", "is_lead", "created"]
    list_filter = ["role", "is_lead", "project"]
    search_fields = ["user__username", "user__email", "project__name"]
    autocomplete_fields = ["user", "project"]


@admin.register(Participant)
class ParticipantAdmin(AuditedAdmin):
    # Consent to quote is changed here (audited by AuditedAdmin): only "yes" lets a lead
    # approve a quote from the participant's words.
    list_display = ["pseudonym", "project", "role", "quote_consent", "attributes", "created"]
    list_filter = ["project", "role", "quote_consent"]
    search_fields = ["pseudonym"]
    list_select_related = ["project"]
    actions = ["withdraw_participant"]

    @admin.action(description="Withdraw participant…")
    def withdraw_participant(self, request: HttpRequest, queryset: QuerySet[Participant]) -> Any:
        if queryset.count() != 1:
            messages.warning(request, "Choose one participant at a time to withdraw.")
            return None
        # The confirmation page says exactly what goes before anything is deleted.
        return redirect("participant_withdraw", pk=queryset.get().pk)


@admin.register(ImportBatch)
class ImportBatchAdmin(AuditedAdmin):
    list_display = [
        "source_name",
        "created",
        "created_by",
        "status",
        "interview_count",
        "skipped_count",
        "error_count",
        "warning_count",
        "report_link",
    ]
    list_filter = ["status", "created"]
    search_fields = ["source_name", "created_by__username"]
    list_select_related = ["created_by"]
    readonly_fields = [f.name for f in ImportBatch._meta.fields]

    @admin.display(description="Report")
    def report_link(self, obj: ImportBatch) -> str:
        # The import pages show the report as a table and offer the rollback.
        return format_html('<a href="{}">Report</a>', reverse("import_detail", args=[obj.pk]))


@admin.register(Interview)
class InterviewAdmin(AuditedAdmin):
    list_display = ["__str__", "project", "participant", "mode", "date", "word_count", "created"]
    list_filter = ["project", "mode", "participant__role", "date"]
    search_fields = ["title", "participant__pseudonym", "interviewer"]
    list_select_related = ["project", "participant"]
    readonly_fields = ["guid", "content_hash", "word_count", "created"]
    autocomplete_fields = ["participant"]
    date_hierarchy = "date"
    actions = ["mask_name"]

    @admin.action(description="Mask a name in the transcript…")
    def mask_name(self, request: HttpRequest, queryset: QuerySet[Interview]) -> Any:
        if queryset.count() != 1:
            messages.warning(request, "Choose one interview at a time to mask a name in.")
            return None
        return redirect("interview_redact", pk=queryset.get().pk)


@admin.register(CodebookValue)
class CodebookValueAdmin(AuditedAdmin):
    list_display = [
        "name",
        "slug",
        "project",
        "parent",
        "colour",
        "shortcut",
        "order",
        "status",
        "is_active",
    ]
    list_filter = ["is_active", "status", "project"]
    search_fields = ["name", "slug", "definition"]
    list_select_related = ["project", "parent"]
    list_editable = ["order", "is_active"]
    prepopulated_fields = {"slug": ["name"]}


class ExcerptValueInline(admin.TabularInline):
    model = ExcerptValue
    extra = 0


@admin.register(Excerpt)
class ExcerptAdmin(AuditedAdmin):
    list_display = ["__str__", "interview", "coder", "start", "end", "created", "updated"]
    list_filter = ["interview__project", "coder", "tags__value"]
    search_fields = ["text", "note", "coder__username"]
    list_select_related = ["interview", "interview__participant", "coder"]
    readonly_fields = ["guid", "created", "updated"]
    raw_id_fields = ["interview"]
    inlines = [ExcerptValueInline]


@admin.register(CodingProgress)
class CodingProgressAdmin(AuditedAdmin):
    list_display = ["interview", "coder", "done_at", "updated"]
    list_filter = ["interview__project", "coder"]
    search_fields = ["coder__username", "memo"]
    list_select_related = ["interview", "interview__participant", "coder"]
    raw_id_fields = ["interview"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Browse and filter, never change: for records and for data the app derives itself."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AuditProjectFilter(admin.SimpleListFilter):
    """Events by project name (the trail keeps plain ids, so that it outlives what it names)."""

    title = "project"
    parameter_name = "project"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[int, str]]:
        return list(ResearchProject.objects.order_by("name").values_list("pk", "name"))

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(project_id=self.value()) if self.value() else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The audit trail can be browsed and filtered, never changed."""

    list_display = ["created", "actor_name", "action", "model", "object_id", "object_repr"]
    list_filter = ["action", "model", AuditProjectFilter, "actor_name", "created"]
    search_fields = ["actor_name", "object_repr", "object_id"]
    date_hierarchy = "created"


@admin.register(ValueTally)
class ValueTallyAdmin(ReadOnlyAdmin):
    """The comparison's per-interview counts, kept by triggers: shown to help explain figures."""

    list_display = ["interview", "coder", "value", "excerpts", "chars", "coders", "value_coders"]
    list_filter = ["value", "coder", "interview__project"]
    list_select_related = ["interview", "interview__participant", "coder", "value"]
    raw_id_fields = ["interview"]


@admin.register(TallyQueue)
class TallyQueueAdmin(ReadOnlyAdmin):
    """Interviews waiting for their counts to be refreshed (normally empty between page views)."""

    list_display = ["interview_id"]


# The codebook's proposals and versions change only through the team's pages (and their
# services, which audit every step); the admin shows them.
@admin.register(Proposal)
class ProposalAdmin(ReadOnlyAdmin):
    list_display = ["created", "project", "kind", "status", "proposed_by", "decided_by"]
    list_filter = ["status", "kind", "project"]
    list_select_related = ["project", "proposed_by", "decided_by"]


@admin.register(CodebookVersion)
class CodebookVersionAdmin(ReadOnlyAdmin):
    list_display = ["project", "number", "created", "created_by", "summary"]
    list_filter = ["project"]
    list_select_related = ["project", "created_by"]


# Candidate quotes change only through the coding page, the drill-down and the Quotes page
# (their service checks consent and who decides); the admin shows them.
@admin.register(QuoteCandidate)
class QuoteCandidateAdmin(ReadOnlyAdmin):
    list_display = ["created", "value", "status", "proposed_by", "decided_by", "caption"]
    list_filter = ["status", "excerpt__interview__project"]
    list_select_related = ["value", "proposed_by", "decided_by"]
