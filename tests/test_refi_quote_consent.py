"""The REFI-QDA import maps a case attribute named quote_consent to the consent to quote."""

from __future__ import annotations

from typing import Any

import pytest

from coding.interop.plan.people import BAD_QUOTE_CONSENT, QUOTE_CONSENT_KEPT
from coding.interop.qde import RefiError
from coding.models import Participant

from .refi_factories import CODE_SAFE, SOURCE, USER, code, codebook, guid, qde, qdpx, users
from .refi_factories import variable_value as value
from .test_refi_import import run

VAR_CONSENT, VAR_AGE = guid(20), guid(21)


def project_with_cases(*cases: tuple[str, str | None]) -> Any:
    """One source per case; a case's consent is left out when None."""
    sources, people = "", ""
    for n, (name, consent) in enumerate(cases):
        source = guid(100 + n) if n else SOURCE
        sources += (
            f'<TextSource guid="{source}" name="Talk {n}">'
            f"<PlainTextContent>Story {n} here.</PlainTextContent></TextSource>"
        )
        inner = value(VAR_AGE, "25-34")
        if consent is not None:
            inner += value(VAR_CONSENT, consent)
        people += f'<Case guid="{guid(40 + n)}" name="{name}">{inner}'
        people += f'<SourceRef targetGUID="{source}"/></Case>'
    return qdpx(
        qde(
            users((USER, "robin"))
            + codebook(code(CODE_SAFE, "Safety"))
            + f'<Variables><Variable guid="{VAR_AGE}" name="age band" typeOfVariable="Text"/>'
            f'<Variable guid="{VAR_CONSENT}" name="Quote_Consent" typeOfVariable="Text"/>'
            "</Variables>"
            f"<Cases>{people}</Cases><Sources>{sources}</Sources>"
        )
    )


def test_it_sets_consent_from_the_case_attribute(project: Any) -> None:
    run(
        project_with_cases(
            ("Ash", "yes"), ("Birch", "No"), ("Cedar", "not asked"), ("Damson", None)
        ),
        project,
    )

    consents = dict(Participant.objects.values_list("pseudonym", "quote_consent"))
    assert consents == {"Ash": "yes", "Birch": "no", "Cedar": "not_asked", "Damson": "not_asked"}


def test_it_does_not_keep_consent_as_a_plain_attribute(project: Any) -> None:
    run(project_with_cases(("Ash", "yes")), project)

    assert Participant.objects.get().attributes == {"age band": "25-34"}


def test_it_refuses_another_word_naming_the_case_and_attribute(project: Any) -> None:
    with pytest.raises(RefiError) as raised:
        run(project_with_cases(("Ash", "yes"), ("Birch", "maybe")), project)

    assert raised.value.messages == [BAD_QUOTE_CONSENT.format(case="Birch", value="maybe")]
    assert not Participant.objects.exists()


def test_it_keeps_an_existing_participants_consent_with_a_note(project: Any) -> None:
    Participant.objects.create(project=project, pseudonym="Ash", quote_consent="no")

    report = run(project_with_cases(("Ash", "yes")), project)

    assert Participant.objects.get().quote_consent == "no"
    assert QUOTE_CONSENT_KEPT.format(pseudonym="Ash", stored="No", given="Yes") in report.warnings
