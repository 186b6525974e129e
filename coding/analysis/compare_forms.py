"""The comparison's filters, read from a URL (so a view can be shared) or from command options."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.http import QueryDict

from ..access import is_admin, visible_projects
from ..models import (
    CodebookValue,
    CodebookVersion,
    Interview,
    Participant,
    ResearchProject,
    ValueTally,
)
from .filters import (
    ATTRIBUTE_PREFIX,
    BREAKDOWN_MODE,
    BREAKDOWN_ROLE,
    RULE_ALL,
    RULE_LABELS,
    Filters,
)
from .measures import MEASURES, PAGE_MEASURE
from .tallies import tallies_refresh
from .value_scope import scope_description

GROUP_PREFIX = "group_"

DATES_REVERSED = "The start date must be on or before the end date."
NOTHING_SELECTED = "nothing, until the filters marked below are put right"
UNKNOWN_CHOICE = "Choose one of the options offered; “%(value)s” is not one of them."
UNIT_CHARACTERS = "characters"
UNIT_SENTENCES = "sentences"
UNITS = {
    UNIT_CHARACTERS: "Characters (each character of the transcript is one unit)",
    UNIT_SENTENCES: "Sentences (a sentence counts as coded when an excerpt touches it)",
}


def attribute_choices(projects: QuerySet[ResearchProject]) -> list[tuple[str, str]]:
    """`name=value` pairs of the participant attributes in these projects."""
    pairs: set[tuple[str, str]] = set()
    rows = Participant.objects.filter(project__in=projects).order_by()
    for attributes in rows.values_list("attributes", flat=True).distinct():
        if isinstance(attributes, dict):
            pairs.update((str(k), str(v)) for k, v in attributes.items())
    return [(f"{k}={v}", f"{k.replace('_', ' ')}: {v}") for k, v in sorted(pairs)]


def coder_queryset(projects: QuerySet[ResearchProject]) -> QuerySet:
    """People who have coded in these projects (read from the tallies: far fewer rows)."""
    tallies_refresh()
    coded = ValueTally.objects.filter(coder=OuterRef("pk"), interview__project__in=projects)
    return get_user_model().objects.filter(Exists(coded)).order_by("username")


class ComparisonForm(forms.Form):
    measure = forms.ChoiceField(
        choices=[(k, label) for k, (label, _) in MEASURES.items()], required=False
    )
    rule = forms.ChoiceField(
        label="Double coding",
        choices=list(RULE_LABELS.items()),
        required=False,
    )
    project = forms.MultipleChoiceField(
        label="Projects", required=False, widget=forms.CheckboxSelectMultiple
    )
    role = forms.MultipleChoiceField(
        label="Participant role",
        choices=Participant.Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    mode = forms.MultipleChoiceField(
        label="Interview mode",
        choices=Interview.Mode.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    date_from = forms.DateField(
        label="Interviews from", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="Interviews to", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    # Tick boxes: picking several needs no Ctrl key.
    attr = forms.MultipleChoiceField(
        label="Participant attributes", required=False, widget=forms.CheckboxSelectMultiple
    )
    coder = forms.MultipleChoiceField(
        label="Coders", required=False, widget=forms.CheckboxSelectMultiple
    )
    breakdown = forms.ChoiceField(label="Split each project by", required=False)
    codebook_version = forms.TypedChoiceField(
        label="Values compared",
        coerce=int,
        empty_value=None,
        required=False,
        help_text="A version keeps only the values found in that version of every project's "
        "codebook.",
    )

    def __init__(self, data: Any = None, *, user: Any = None, **kwargs: Any) -> None:
        """`user` None means every project (management commands run as the system)."""
        super().__init__(data, **kwargs)
        self.user = user
        self.projects = (
            ResearchProject.objects.all() if user is None else visible_projects(user)
        ).order_by("name")
        self.fields["project"].choices = [(p.slug, p.name) for p in self.projects]
        attrs = attribute_choices(self.projects)
        self.fields["attr"].choices = attrs
        self.coders = list(coder_queryset(self.projects))
        self.fields["coder"].choices = [(u.username, u.username) for u in self.coders]
        names = sorted({value.split("=", 1)[0] for value, _ in attrs})
        self.fields["breakdown"].choices = [
            ("", "Nothing (one column per project)"),
            (BREAKDOWN_ROLE, "Participant role"),
            (BREAKDOWN_MODE, "Interview mode"),
            *[(f"{ATTRIBUTE_PREFIX}{name}", name.replace("_", " ").capitalize()) for name in names],
        ]
        self._add_scope_fields()
        for field in self.fields.values():
            field.error_messages["invalid_choice"] = UNKNOWN_CHOICE
            if isinstance(field.widget, forms.CheckboxSelectMultiple):
                field.widget.attrs["class"] = "form-check-input"
                continue
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = f"{css} form-select-sm" if css == "form-select" else css

    def _add_scope_fields(self) -> None:
        """The version choice, and one "count as" choice per project value (value_scope)."""
        latest = CodebookVersion.objects.filter(project__in=self.projects).aggregate(
            n=Max("number")
        )["n"]
        self.fields["codebook_version"].choices = [("", "All values")] + [
            (str(n), f"Values shared in codebook version {n}") for n in range(1, (latest or 1) + 1)
        ]
        # One read: the framework values (targets) and the projects' own values (choices).
        values = list(
            CodebookValue.objects.filter(Q(project__isnull=True) | Q(project__in=self.projects))
            .shared()
            .select_related("project")
            .order_by("project__name", "order", "name")
        )
        framework = [f for f in values if f.project_id is None and f.is_active]
        for value in values:
            if value.project_id is None:
                continue
            self.fields[f"{GROUP_PREFIX}{value.pk}"] = forms.TypedChoiceField(
                label=f"Count “{value.name}” ({value.project.name}) as",
                choices=[("", "Itself (not grouped)")]
                + [(str(f.pk), f"{f.name} (framework value)") for f in framework],
                coerce=int,
                empty_value=None,
                required=False,
            )

    def groups(self, data: dict[str, Any]) -> tuple[tuple[int, int], ...]:
        """(project value, framework value) pairs chosen in the filters."""
        return tuple(
            (int(name[len(GROUP_PREFIX) :]), target)
            for name, target in sorted(data.items())
            if name.startswith(GROUP_PREFIX) and target
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", DATES_REVERSED)
        return data

    @property
    def is_admin(self) -> bool:
        return self.user is None or is_admin(self.user)

    def measure_choice(self) -> str:
        data = self.cleaned_data if self.is_valid() else {}
        return data.get("measure") or PAGE_MEASURE

    def filters(self) -> Filters:
        """The filters in force: the defaults when none are given, nothing when they are bad.

        A filter that cannot be read (a date that is not a date) selects no data, so the page
        never shows figures for a wider scope than the reader asked for.
        """
        if self.is_bound and not self.is_valid():
            return Filters(project_ids=(), description=NOTHING_SELECTED)
        data = self.cleaned_data if self.is_valid() else {}
        slugs = set(data.get("project") or [])
        projects = [p for p in self.projects if not slugs or p.slug in slugs]
        attributes = tuple(tuple(item.split("=", 1)) for item in sorted(data.get("attr") or []))
        coder_names = set(data.get("coder") or [])
        coders = [u for u in self.coders if u.username in coder_names]
        filters = Filters(
            project_ids=tuple(p.pk for p in projects),
            roles=tuple(data.get("role") or ()),
            modes=tuple(data.get("mode") or ()),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            attributes=attributes,  # type: ignore[arg-type]
            coder_ids=tuple(u.pk for u in coders),
            rule=data.get("rule") or RULE_ALL,
            breakdown=data.get("breakdown") or "",
            codebook_version=data.get("codebook_version"),
            groups=self.groups(data),
            description=self._describe(data, projects, coders),
        )
        return filters

    def _describe(self, data: dict[str, Any], projects: list[Any], coders: list[Any]) -> str:
        parts = ["projects: " + ", ".join(p.name for p in projects) if projects else "no projects"]
        labels = dict(self.fields["role"].choices)
        if data.get("role"):
            parts.append("participant role: " + ", ".join(str(labels[r]) for r in data["role"]))
        labels = dict(self.fields["mode"].choices)
        if data.get("mode"):
            parts.append("interview mode: " + ", ".join(str(labels[m]) for m in data["mode"]))
        if data.get("date_from"):
            parts.append(f"interviews from {data['date_from']:%Y-%m-%d}")
        if data.get("date_to"):
            parts.append(f"interviews to {data['date_to']:%Y-%m-%d}")
        if data.get("attr"):
            parts.append("attributes: " + ", ".join(sorted(data["attr"])))
        if coders:
            parts.append("coders: " + ", ".join(u.username for u in coders))
        if data.get("breakdown"):
            parts.append("split by " + dict(self.fields["breakdown"].choices)[data["breakdown"]])
        parts += scope_description(data.get("codebook_version"), self.groups(data))
        return "; ".join(parts)

    def query_string(self, **changes: Any) -> str:
        """This view's URL parameters with some changed (None removes one)."""
        query = QueryDict(mutable=True)
        if self.is_valid():
            for name, value in self.cleaned_data.items():
                if value in (None, "", []):
                    continue
                if isinstance(value, list):
                    query.setlist(name, value)
                else:
                    query[name] = value.isoformat() if hasattr(value, "isoformat") else value
        for name, value in changes.items():
            if value is None:
                query.pop(name, None)
            else:
                query[name] = value
        return query.urlencode()


class AgreementForm(ComparisonForm):
    unit = forms.ChoiceField(label="Unit", choices=list(UNITS.items()), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name in ("measure", "rule", "breakdown", "codebook_version") or name.startswith(
                GROUP_PREFIX
            ):
                del self.fields[name]

    def unit_choice(self) -> str:
        data = self.cleaned_data if self.is_valid() else {}
        return data.get("unit") or UNIT_CHARACTERS


def options_query(options: dict[str, Any]) -> QueryDict:
    """Management-command options as the URL parameters the form reads."""
    query = QueryDict(mutable=True)
    for name in ("project", "role", "mode", "attr", "coder"):
        query.setlist(name, options.get(name) or [])
    for name in ("rule", "breakdown", "date_from", "date_to", "measure", "unit"):
        if options.get(name):
            query[name] = options[name]
    return query
