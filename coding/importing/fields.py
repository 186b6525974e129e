"""Reading the values of one manifest row: dates, interview modes and participant roles."""

from __future__ import annotations

import re
from datetime import date

from ..models import Interview, Participant
from . import problems as msg

MODES = {
    "in person": Interview.Mode.IN_PERSON,
    "face to face": Interview.Mode.IN_PERSON,
    "f2f": Interview.Mode.IN_PERSON,
    "phone": Interview.Mode.PHONE,
    "telephone": Interview.Mode.PHONE,
    "online": Interview.Mode.ONLINE,
    "video": Interview.Mode.ONLINE,
    "video call": Interview.Mode.ONLINE,
}
ISO_DATE_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
UK_DATE_RE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


class FieldError(ValueError):
    """A value of a row cannot be used; the message says why."""


def parse_date(value: str) -> date | None:
    """Read an ISO (2024-03-31) or UK (31/03/2024) date; None when blank."""
    value = value.strip()
    if not value:
        return None
    # Spreadsheets give dates with a time of midnight.
    value = re.sub(r"[T ]00:00(:00)?$", "", value)
    if match := ISO_DATE_RE.match(value):
        year, month, day = (int(g) for g in match.groups())
    elif match := UK_DATE_RE.match(value):
        day, month, year = (int(g) for g in match.groups())
    else:
        raise FieldError(msg.INVALID_DATE.format(value=value))
    try:
        return date(year, month, day)
    except ValueError:
        raise FieldError(msg.INVALID_DATE.format(value=value)) from None


def parse_mode(value: str) -> str:
    key = " ".join(value.strip().lower().replace("-", " ").replace("_", " ").split())
    if key in MODES:
        return MODES[key].value
    raise FieldError(msg.INVALID_MODE.format(value=value))


QUOTE_CONSENT_WORDS = {
    "yes": Participant.QuoteConsent.YES,
    "no": Participant.QuoteConsent.NO,
    "not asked": Participant.QuoteConsent.NOT_ASKED,
    "": Participant.QuoteConsent.NOT_ASKED,
}


def parse_quote_consent(value: str, row: int) -> str:
    """Read yes / no / not asked (blank: not asked), whatever the case or underscores."""
    key = " ".join(value.strip().lower().replace("_", " ").split())
    if key in QUOTE_CONSENT_WORDS:
        return QUOTE_CONSENT_WORDS[key].value
    raise FieldError(msg.INVALID_QUOTE_CONSENT.format(row=row, value=value.strip()))


def parse_role(value: str) -> str:
    key = value.strip().lower()
    if not key:
        return Participant.Role.PARTICIPANT.value
    for role in Participant.Role:
        if key in (role.value, role.label.lower()):
            return role.value
    choices = ", ".join(role.label.lower() for role in Participant.Role)
    raise FieldError(msg.INVALID_ROLE.format(value=value, choices=choices))
