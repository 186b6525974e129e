"""People of an import planned: coders matched to accounts (or new inactive ones), cases to
participants.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth import get_user_model

from ...importing.fields import QUOTE_CONSENT_WORDS
from ...models import (
    Participant,
)
from ..qde import RefiError, user_guid
from ..report import (
    UNKNOWN_CODER,
    RefiReport,
)
from .common import (
    QUOTE_CONSENT_VARIABLE,
    ROLE_VARIABLE,
    name_key,
    unique_name,
    unused_guids,
    username_of,
)

BAD_QUOTE_CONSENT = (
    "Case '{case}', attribute quote_consent: '{value}' is not an answer to whether the "
    "participant agreed to be quoted. Write yes, no or not asked, or leave it blank."
)
QUOTE_CONSENT_KEPT = (
    "{pseudonym} is already in the project with consent to quote '{stored}'; the file says "
    "'{given}'. The stored answer is kept: an admin changes it on the participant's page."
)


class PeoplePlan:
    """Part of `ImportPlan`: the state it uses is set up in `ImportPlan.__init__`."""

    report: RefiReport

    def _load_users(self) -> None:
        users = list(get_user_model().objects.only("pk", "username"))
        self.users_by_guid = {user_guid(user.username): user for user in users}
        self.users_by_name = {user.username.casefold(): user for user in users}
        self.usernames = {user.username.casefold() for user in users}
        self.resolved_users: dict[str | None, Any] = {}

    def _coder(self, guid: str | None) -> Any:
        """The account of the user with this GUID: an existing one, or a new inactive one."""
        if guid in self.resolved_users:
            return self.resolved_users[guid]
        name = self.doc.users.get(guid, "") if guid else ""
        user = (
            self.users_by_guid.get(guid or "")
            or self.users_by_name.get(name.casefold())
            or self.users_by_name.get(username_of(name).casefold())
        )
        if user is None and not guid:
            user = self.actor or self.users_by_name.get(UNKNOWN_CODER)
            name = UNKNOWN_CODER
        if user is None and guid and guid not in self.doc.users:
            self.report.warnings.append(
                f"User {guid} codes in the file but is not among its users; "
                "an inactive account was made for them."
            )
        if user is None:
            user = self._new_user(name, guid)
        else:
            self.counts["coders_matched"] += 1
        self.resolved_users[guid] = user
        return user

    def _new_user(self, name: str, guid: str | None) -> Any:
        base = username_of(name) or f"refi-user-{(guid or 'unknown')[:8]}"
        username = unique_name(base, self.usernames, 150, key=str.casefold, sep="-")
        words = name.split()
        user = get_user_model()(
            username=username,
            first_name=" ".join(words[:-1] or words)[:150],
            last_name=(words[-1] if len(words) > 1 else "")[:150],
            is_active=False,
        )
        user.set_unusable_password()
        self.users_by_name[username.casefold()] = user
        self.new_users.append(user)
        self.counts["coders_created"] += 1
        self.report.created_coders.append(username)
        return user

    def _plan_cases(self) -> None:
        existing = list(self.project.participants.all())
        by_guid = {str(p.guid): p for p in existing}
        self.pseudonyms = {name_key(p.pseudonym): p for p in existing}
        self.taken_pseudonyms = set(self.pseudonyms)
        free_guids = unused_guids(Participant, (case.guid for case in self.doc.cases))
        roles = {value for value, _ in Participant.Role.choices}
        labels = {label.casefold(): value for value, label in Participant.Role.choices}
        self.case_of_source: dict[str, Participant] = {}
        consent_errors: list[str] = []
        for case in self.doc.cases:
            participant = by_guid.get(case.guid) or self.pseudonyms.get(name_key(case.name))
            consent = self._case_consent(case, consent_errors)
            if participant is not None:
                self.counts["participants_matched"] += 1
                # Consent is changed only by an admin on the participant (audited).
                if consent is not None and consent != participant.quote_consent:
                    self.report.warnings.append(
                        QUOTE_CONSENT_KEPT.format(
                            pseudonym=participant.pseudonym,
                            stored=Participant.QuoteConsent(participant.quote_consent).label,
                            given=Participant.QuoteConsent(consent).label,
                        )
                    )
            else:
                attributes: dict[str, str] = {}
                role = Participant.Role.PARTICIPANT.value
                for variable, value in case.variables.items():
                    name = self.doc.variables.get(variable, "") or variable
                    if name.casefold() == QUOTE_CONSENT_VARIABLE:
                        continue
                    if name.casefold() == ROLE_VARIABLE and (
                        value in roles or value.casefold() in labels
                    ):
                        role = value if value in roles else labels[value.casefold()]
                    else:
                        attributes[name] = value
                participant = Participant(
                    project=self.project,
                    pseudonym=unique_name(case.name.strip() or "Case", self.taken_pseudonyms, 100),
                    role=role,
                    attributes=attributes,
                    quote_consent=consent or Participant.QuoteConsent.NOT_ASKED,
                )
                if case.guid in free_guids:
                    participant.guid = uuid.UUID(case.guid)
                self.pseudonyms[name_key(participant.pseudonym)] = participant
                self.new_participants.append(participant)
                self.counts["participants_created"] += 1
            for source in case.sources:
                if source in self.case_of_source:
                    self.report.warnings.append(
                        f"Source {source} belongs to several cases; its interview is with "
                        f"{self.case_of_source[source].pseudonym}."
                    )
                else:
                    self.case_of_source[source] = participant
        if consent_errors:
            raise RefiError(consent_errors)

    def _case_consent(self, case: Any, errors: list[str]) -> str | None:
        """The case's quote_consent attribute read as yes / no / not asked (None: absent)."""
        for variable, value in case.variables.items():
            name = self.doc.variables.get(variable, "") or variable
            if name.casefold() != QUOTE_CONSENT_VARIABLE:
                continue
            key = " ".join(value.strip().casefold().replace("_", " ").split())
            if key in QUOTE_CONSENT_WORDS:
                return QUOTE_CONSENT_WORDS[key].value
            errors.append(BAD_QUOTE_CONSENT.format(case=case.name.strip(), value=value.strip()))
        return None
