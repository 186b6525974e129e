"""What a comparison is restricted to, and how double coding is counted.

A `Filters` is plain data (ids, strings, dates): the forms build it from a URL or from command
options, and the queries turn it into SQL. Nothing here reads a request.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import CharField, F, Q, QuerySet, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

# The coder rules: how an interview coded by several people counts.
RULE_ALL = "all"
RULE_ONE = "one"
RULE_AGREED = "agreed"
RULE_CONSENSUS = "consensus"
RULES = {
    RULE_ALL: "All coders, averaged: each interview's figures are averaged over the people who "
    "coded it, so a double-coded interview counts once.",
    RULE_ONE: "One coder per interview: only the person who started coding each interview "
    "counts (choose a coder in the filters to use one person's coding).",
    RULE_AGREED: "Agreed only: a value counts for an interview only when every person who "
    "coded the interview applied it (figures then averaged over them).",
    RULE_CONSENSUS: "Consensus where decided, else agreed: an interview on which the team has "
    "decided disagreements counts its consensus coding (what every coder applied, plus the "
    "team's decisions); any other interview counts a value only when every coder applied it. "
    "Choosing coders in the filters does not change the consensus coding.",
}
RULE_LABELS = {
    RULE_ALL: "All coders (averaged)",
    RULE_ONE: "One coder per interview",
    RULE_AGREED: "Agreed by all coders",
    RULE_CONSENSUS: "Consensus where decided, else agreed",
}

# Ways to split each project's column.
BREAKDOWN_ROLE = "role"
BREAKDOWN_MODE = "mode"
ATTRIBUTE_PREFIX = "attr:"

INTERVIEW = "excerpt__interview__"
PARTICIPANT = "excerpt__interview__participant__"


@dataclass(frozen=True)
class Filters:
    """A comparison's scope: projects (already limited to those the user may read) and filters."""

    project_ids: tuple[int, ...]
    roles: tuple[str, ...] = ()
    modes: tuple[str, ...] = ()
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    # (name, value) pairs: values of one name are alternatives, different names all apply.
    attributes: tuple[tuple[str, str], ...] = ()
    coder_ids: tuple[int, ...] = ()
    rule: str = RULE_ALL
    breakdown: str = ""
    # Only the values in this version of every compared project's codebook (see value_scope).
    codebook_version: int | None = None
    # (project value, framework value) pairs: the first counted as the second (see value_scope).
    groups: tuple[tuple[int, int], ...] = ()
    # Plain-language account of the filters, written into exports and onto the page.
    description: str = field(default="", compare=False)

    @property
    def attribute_names(self) -> list[str]:
        return sorted({name for name, _ in self.attributes})

    @property
    def breakdown_attribute(self) -> str | None:
        if self.breakdown.startswith(ATTRIBUTE_PREFIX):
            return self.breakdown[len(ATTRIBUTE_PREFIX) :]
        return None

    @property
    def touches_participants(self) -> bool:
        """Whether figures describe groups of participants (disclosure control applies)."""
        return bool(
            self.attributes
            or self.roles
            or self.breakdown == BREAKDOWN_ROLE
            or self.breakdown_attribute
        )

    @property
    def rule_text(self) -> str:
        return RULES[self.rule]


def filtered_tags(filters: Filters, *, consensus: bool = False) -> QuerySet:
    """The excerpt-value tags in scope (before the coder rule, which needs aggregation).

    People's tags, or with `consensus` the tags of the consensus layer (never both: the
    consensus "coder" is not a person and must not count as one).
    """
    from ..models import ExcerptValue

    if not filters.project_ids:
        # `IN ()` cannot be compiled into SQL; this condition is valid and never true.
        return ExcerptValue.objects.filter(pk__isnull=True)
    qs = ExcerptValue.objects.filter(
        **{f"{INTERVIEW}project_id__in": filters.project_ids, "excerpt__is_consensus": consensus}
    )
    return apply_filters(qs, filters)


def apply_filters(qs: QuerySet, filters: Filters, *, to_interview: str = INTERVIEW) -> QuerySet:
    """Apply the participant, interview and coder filters to a queryset of tags or excerpts.

    `to_interview` is the lookup path from the queryset's model to the interview.
    """
    to_participant = f"{to_interview}participant__"
    to_excerpt = to_interview[: -len("interview__")]
    lookups: dict[str, Any] = {}
    if filters.roles:
        lookups[f"{to_participant}role__in"] = filters.roles
    if filters.modes:
        lookups[f"{to_interview}mode__in"] = filters.modes
    if filters.date_from:
        lookups[f"{to_interview}date__gte"] = filters.date_from
    if filters.date_to:
        lookups[f"{to_interview}date__lte"] = filters.date_to
    if filters.coder_ids:
        lookups[f"{to_excerpt}coder_id__in"] = filters.coder_ids
    qs = qs.filter(**lookups)
    # Attribute names come from users, so they go through KeyTextTransform (a parameter), never
    # into a lookup string.
    for index, name in enumerate(filters.attribute_names):
        wanted = [value for key, value in filters.attributes if key == name]
        alias = f"attr_filter_{index}"
        # Cast to text so that `in` compares plain strings (the JSON `in` lookup expects JSON).
        text = Cast(KeyTextTransform(name, f"{to_participant}attributes"), CharField())
        qs = qs.alias(**{alias: text})
        qs = qs.filter(Q(**{f"{alias}__in": wanted}))
    return qs


def group_expression(filters: Filters, *, to_interview: str = INTERVIEW) -> Any:
    """The expression that splits a project's column, or an empty string when none does."""
    if filters.breakdown == BREAKDOWN_ROLE:
        return F(f"{to_interview}participant__role")
    if filters.breakdown == BREAKDOWN_MODE:
        return F(f"{to_interview}mode")
    name = filters.breakdown_attribute
    if name:
        return KeyTextTransform(name, f"{to_interview}participant__attributes")
    return Cast(Value(""), output_field=CharField())
