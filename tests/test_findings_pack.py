"""The findings pack's content: figures from the comparison, disclosure, quotes, versions."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest

from coding.analysis.comparison import comparison_build
from coding.analysis.filters import Filters
from coding.analysis.measures import MEASURE_PREVALENCE
from coding.codebook import codebook_fixture
from coding.findings import easy_read as easy_read_module
from coding.findings import pack_wording as words
from coding.findings.easy_read import easy_read
from coding.findings.pack import pack_build, pack_with_quotes
from coding.findings.pack_models import PackFeedback, PackVersion
from coding.findings.pack_services import (
    DATE_IN_FUTURE,
    SAID_MISSING,
    WHO_MISSING,
    PackError,
    pack_feedback_record,
    pack_publish,
)
from coding.models import AuditEvent, CodebookValue, Participant
from coding.proposals import proposal_create, proposal_decide

from .pack_data import NOT_SHOWN, SHOWN, PackWorld, make_quote, pack_world


@pytest.fixture
def world(db: Any) -> PackWorld:
    return pack_world()


def _value(pack: dict, name: str) -> dict:
    return next(v for v in pack["values"] if v["name"] == name)


def _share(value: dict, project: str) -> dict:
    return next(s for s in value["shares"] if s["project"] == project)


def _quote_texts(pack: dict) -> str:
    return json.dumps(pack_with_quotes(pack)["values"])


def test_it_takes_prevalence_and_its_interval_from_the_comparison(world: PackWorld) -> None:
    pack = pack_build([world.side, world.women], viewer=world.peer)
    comparison = comparison_build(
        Filters(project_ids=(world.side.pk, world.women.pk)), MEASURE_PREVALENCE
    )
    for value, cells in comparison.rows:
        for cell in cells:
            share = _share(_value(pack, value.name), cell.column.short)
            assert share["applies"] == cell.applies
            if not cell.applies:
                continue
            assert share["share"] == cell.number
            assert (share["low"], share["high"]) == (cell.ci_low, cell.ci_high)
            assert share["words"] == words.share_words(cell.number)
            assert share["interval"] == words.interval_words(cell.ci_low, cell.ci_high)


def test_it_says_a_difference_only_where_the_interview_level_test_supports_it(
    world: PackWorld,
) -> None:
    pack = pack_build([world.side, world.women], viewer=world.peer)
    safety = _value(pack, "Safety")
    assert safety["differences"] == [
        "Safety came up more often in Side by Side than in Women Side by Side."
    ]
    assert safety["difference_note"] == ""
    trust = _value(pack, "Choice and control")  # nobody's interviews have it
    assert trust["differences"] == []
    assert trust["difference_note"] == words.NO_DIFFERENCE.format(value="Choice and control")
    assert pack["differences_rule"] == words.DIFFERENCES_RULE


def test_it_compares_nothing_in_a_one_project_pack(world: PackWorld) -> None:
    pack = pack_build([world.side], viewer=world.peer, scope=world.side.slug)
    assert all(not v["differences"] and not v["difference_note"] for v in pack["values"])
    assert pack["differences_rule"] == words.ONE_PROJECT
    assert pack["title"] == "What we found: Community peer support (Side by Side)"


def test_it_shows_only_consented_approved_quotes(world: PackWorld) -> None:
    texts = _quote_texts(pack_build(world.projects, viewer=world.admin))
    assert SHOWN in texts
    for reason, quote in NOT_SHOWN.items():
        if reason != "hidden project":  # an admin sees every project
            assert quote not in texts, reason


def test_it_keeps_a_hidden_projects_figures_and_quotes_from_an_evaluator(
    world: PackWorld,
) -> None:
    pack = pack_build(world.projects, viewer=world.evaluator)
    assert world.maternal.pk in pack["excluded_project_ids"]
    for value in pack["values"]:
        maternal = _share(value, "Maternal")
        assert maternal["hidden"] and maternal["percent"] is None
        assert "share" not in maternal
    assert NOT_SHOWN["hidden project"] not in _quote_texts(pack)
    assert SHOWN in _quote_texts(pack)


def test_it_hides_small_projects_in_the_pack_made_to_be_shared(world: PackWorld) -> None:
    pack = pack_build(world.projects, viewer=None)
    assert pack["shared_view"] and pack["public_note"]
    assert NOT_SHOWN["hidden project"] not in _quote_texts(pack)


def test_it_drops_a_quote_from_a_stored_version_when_consent_is_taken_back(
    world: PackWorld,
) -> None:
    version = pack_publish(project=world.side, projects=[world.side], actor=world.peer)
    assert SHOWN in _quote_texts(version.content)
    participant = world.quotes["shown"].excerpt.interview.participant
    Participant.objects.filter(pk=participant.pk).update(quote_consent="no")
    version.refresh_from_db()
    assert SHOWN not in _quote_texts(version.content)
    assert SHOWN not in json.dumps(version.content), "the snapshot keeps references, not words"


def test_it_gives_each_value_its_current_definition_and_the_codebooks_changes(
    world: PackWorld,
) -> None:
    value = CodebookValue.objects.get(project=world.women, slug="trust")
    proposal = proposal_create(
        project=world.women,
        actor=world.peer,
        kind="redefine",
        value=value,
        short_definition="Knowing people will keep what you say to themselves.",
        reason="Members said the old words were too formal.",
    )
    proposal_decide(proposal=proposal, actor=world.admin, accept=True, reason="Agreed.")
    pack = pack_build([world.women], viewer=world.peer, scope=world.women.slug)
    assert _value(pack, "Trust")["short_definition"] == (
        "Knowing people will keep what you say to themselves."
    )
    (history,) = pack["codebook"]
    assert history["current"] == 2
    (change,) = history["changes"]
    assert change["number"] == 2 and change["reason"]


def test_it_numbers_versions_per_scope_and_freezes_the_figures(world: PackWorld) -> None:
    first = pack_publish(
        project=world.side, projects=[world.side], actor=world.peer, note="For the group"
    )
    second = pack_publish(project=world.side, projects=[world.side], actor=world.peer)
    across = pack_publish(project=None, projects=world.projects, actor=world.admin)
    assert (first.number, second.number, across.number) == (1, 2, 1)
    assert first.content["version"] == 1 and first.note == "For the group"
    # The shared snapshot hides small figures whoever publishes it.
    assert across.content["shared_view"] is True
    assert AuditEvent.objects.filter(model="packversion", action="create").count() == 3


def test_it_shows_feedback_on_earlier_versions_as_you_said_we_did(world: PackWorld) -> None:
    first = pack_publish(project=world.side, projects=[world.side], actor=world.peer)
    pack_feedback_record(
        version=first,
        actor=world.peer,
        who="Two participants from Side by Side",
        received=dt.date(2026, 5, 1),
        said="Safety is about the venue too.",
        changed="We added the venue to the definition.",
    )
    second = pack_publish(project=world.side, projects=[world.side], actor=world.peer)
    assert first.content["feedback"] == []
    assert second.content["feedback"] == [
        {
            "version": 1,
            "who": "Two participants from Side by Side",
            "received": "2026-05-01",
            "said": "Safety is about the venue too.",
            "changed": "We added the venue to the definition.",
        }
    ]
    assert AuditEvent.objects.filter(model="packfeedback", action="create").count() == 1


@pytest.mark.parametrize(
    ("who", "said", "received", "message"),
    [
        ("", "Something", dt.date(2026, 1, 1), WHO_MISSING),
        ("A member", "  ", dt.date(2026, 1, 1), SAID_MISSING),
        ("A member", "Something", dt.date.today() + dt.timedelta(days=2), DATE_IN_FUTURE),
    ],
)
def test_it_refuses_feedback_without_who_what_or_with_a_future_date(
    world: PackWorld, who: str, said: str, received: dt.date, message: str
) -> None:
    version = pack_publish(project=world.side, projects=[world.side], actor=world.peer)
    with pytest.raises(PackError, match=re.escape(message)):
        pack_feedback_record(
            version=version, actor=world.peer, who=who, received=received, said=said
        )
    assert not PackFeedback.objects.exists()


def test_it_keeps_every_version(world: PackWorld) -> None:
    for _ in range(3):
        pack_publish(project=world.side, projects=[world.side], actor=world.peer)
    assert list(PackVersion.objects.values_list("number", flat=True)) == [1, 2, 3]


def test_it_writes_easy_read_as_short_lines_with_no_bare_numbers(world: PackWorld) -> None:
    pack = pack_with_quotes(pack_build(world.projects, viewer=world.evaluator))
    sections = easy_read(pack)
    assert [s["heading"] for s in sections][:2] == ["About this", pack["values"][0]["name"]]
    for section in sections:
        for line in section["lines"]:
            assert "%" not in line
            # A number only ever comes as "N out of every M" or "1 in 20"-style words.
            bare = re.sub(r"\d+ out of every \d+|\d+ in \d+", "", line)
            assert not re.search(r"\d", bare), line
    safety = next(s for s in sections if s["heading"] == "Safety")
    assert "Side by Side: it came up in every one of the interviews." in safety["lines"]
    assert easy_read_module.HIDDEN_LINE.format(project="Maternal") in safety["lines"]
    assert [q["text"] for q in safety["quotes"]] == [SHOWN]


def test_it_draws_easy_read_dots_as_the_same_fraction_as_the_words() -> None:
    assert easy_read_module._dots("X", 0.75) == {
        "project": "X",
        "filled": [0, 1, 2],
        "empty": [0],
    }
    picture = easy_read_module._dots("X", 0.0)
    assert (len(picture["filled"]), len(picture["empty"])) == (0, 4)


def test_it_takes_quotes_in_turn_from_each_project_and_never_the_same_words_twice(
    world: PackWorld,
) -> None:
    make_quote(world.side, world.peer, world.admin, "Another safe Side by Side moment")
    make_quote(world.side, world.peer, world.admin, SHOWN, tail=" Again.")  # the same words
    make_quote(world.women, world.peer, world.admin, "The women's group felt safe to me")
    pack = pack_with_quotes(pack_build([world.side, world.women], viewer=world.peer))
    texts = [q["text"] for q in _value(pack, "Safety")["quotes"]]
    assert texts == [SHOWN, "The women's group felt safe to me", "Another safe Side by Side moment"]


def test_it_says_why_a_projects_own_value_is_not_compared(world: PackWorld) -> None:
    pack = pack_build([world.side, world.women], viewer=world.peer)
    trust = _value(pack, "Trust")
    assert trust["differences"] == []
    assert trust["difference_note"] == words.ONE_CODEBOOK.format(
        value="Trust", project="Women Side by Side"
    )


def test_it_says_in_easy_read_that_a_projects_own_value_has_nothing_to_compare(
    world: PackWorld,
) -> None:
    pack = pack_with_quotes(pack_build([world.side, world.women], viewer=world.peer))
    trust = next(s for s in easy_read(pack) if s["heading"] == "Trust")
    assert easy_read_module.ONE_CODEBOOK_LINE.format(project="Women Side by Side") in trust["lines"]
    assert easy_read_module.NO_DIFFERENCE_LINE not in trust["lines"]


def test_it_cuts_a_definition_into_one_idea_per_line_for_easy_read() -> None:
    definition = (
        "Spaces that are physically and emotionally safe: ground rules on confidentiality; "
        "being safe and feeling safe are distinct."
    )
    assert easy_read_module.one_idea_per_line(definition) == [
        "Spaces that are physically and emotionally safe.",
        "Ground rules on confidentiality.",
        "Being safe and feeling safe are distinct.",
    ]


def test_it_draws_the_chart_with_a_plain_title_and_text_alternative(world: PackWorld) -> None:
    pack = pack_build([world.side, world.women], viewer=world.peer)
    svg = pack["chart_svg"]
    assert '<title id="bar-title">How often each value came up, by project</title>' in svg
    assert "the range we are fairly sure of" in svg
    for jargon in ("Prevalence", "Wilson", "confidence"):
        assert jargon not in svg


# Words an Easy Read reader should not meet (the full definitions use them).
TECHNICAL_WORDS = (
    "reciprocal",
    "role-modelling",
    "confidentiality",
    "diagnosis",
    "distress",
    "ethnicity",
    "identity",
    "penalty",
    "foundational",
    "trauma",
    "flattens",
    "prevalence",
    "interval",
    "codebook",
)
EASY_READ_WORDS = 15


def _easy_read_ok(line: str) -> None:
    assert len(line.split()) <= EASY_READ_WORDS, line
    assert not [w for w in TECHNICAL_WORDS if w in line.lower()], line


def test_it_gives_every_framework_value_a_short_plain_easy_read_definition() -> None:
    for row in codebook_fixture()["values"]:
        lines = row["easy_read"]
        assert 2 <= len(lines) <= 5, row["slug"]
        for line in lines:
            _easy_read_ok(line)
            assert line.endswith("."), line


def test_it_uses_the_easy_read_definition_instead_of_cutting_the_full_one(
    world: PackWorld,
) -> None:
    fixture = {row["name"]: row["easy_read"] for row in codebook_fixture()["values"]}
    for projects, viewer in (
        ([world.side, world.women], world.peer),
        (world.projects, world.evaluator),  # with a hidden project
    ):
        sections = easy_read(pack_with_quotes(pack_build(projects, viewer=viewer)))
        for section in sections[1:]:
            easy = fixture[section["heading"]]
            assert section["lines"][: len(easy)] == easy
        for line in (line for section in sections for line in section["lines"]):
            _easy_read_ok(line)


def test_it_cuts_the_definition_when_the_team_has_changed_it(world: PackWorld) -> None:
    # The fixed Easy Read words describe the fixture's definition, not a new one.
    value = {"definition": "Something new.", "short_definition": "Something new; and more."}
    assert easy_read_module.easy_definition(value) == ["Something new.", "And more."]
