from __future__ import annotations

from coding.turns import split_paragraphs


def test_it_recognises_common_speaker_labels() -> None:
    text = (
        "Interviewer: Hello\nParticipant: Hi\nI: Question\nP: Answer\nR: Reply\n"
        "Willow Smith: Hiya\n[00:01:23] Interviewer: Stamped\ncontinued line"
    )
    paragraphs = split_paragraphs(text)
    assert [p.speaker for p in paragraphs] == [
        "Interviewer",
        "Participant",
        "I",
        "P",
        "R",
        "Willow Smith",
        "Interviewer",
        "Interviewer",
    ]
    assert [p.kind for p in paragraphs][:5] == [
        "interviewer",
        "participant",
        "interviewer",
        "participant",
        "participant",
    ]
    assert paragraphs[6].stamp == "[00:01:23]"
    assert paragraphs[7].new_turn is False


def test_it_gives_offsets_into_the_unchanged_text() -> None:
    text = "Intro 😊 line\n\nInterviewer: Was it safe?\nParticipant: Yes."
    for p in split_paragraphs(text):
        assert (
            text[p.start : p.end]
            == text.split("\n")[
                [i for i, line in enumerate(text.split("\n")) if line][p.number - 1]
            ]
        )
    third = split_paragraphs(text)[2]
    assert text[third.start : third.label_end] == "Participant:"


def test_it_does_not_take_a_sentence_with_a_colon_for_a_speaker() -> None:
    paragraphs = split_paragraphs("There were three things: tea, cake and time.")
    assert paragraphs[0].speaker == ""


def test_it_recognises_timestamps_in_every_common_form() -> None:
    text = (
        "(00:01:23) Interviewer: Round brackets\n"
        "00:02:10 P: Bare stamp\n"
        "[00:03:05.250] R: With milliseconds\n"
        "Willow Smith (00:04:00): Stamp after the name\n"
        "Interviewer [00:05:00]: Square after the label\n"
        "[00:06:00]\n"
        "a line after a stamp on its own"
    )
    paragraphs = split_paragraphs(text)
    assert [(p.speaker, p.stamp, p.new_turn) for p in paragraphs] == [
        ("Interviewer", "(00:01:23)", True),
        ("P", "00:02:10", True),
        ("R", "[00:03:05.250]", True),
        ("Willow Smith", "(00:04:00)", True),
        ("Interviewer", "[00:05:00]", True),
        ("Interviewer", "[00:06:00]", False),
        ("Interviewer", "", False),
    ]
    fourth = paragraphs[3]
    assert text[fourth.start : fourth.label_end] == "Willow Smith (00:04:00):"


def test_it_recognises_a_speaker_line_with_only_a_timestamp() -> None:
    text = "Speaker 1  0:03\nSo how did you find the group?\nSpeaker 2  0:09\nReally welcoming."
    paragraphs = split_paragraphs(text)
    assert [(p.speaker, p.new_turn) for p in paragraphs] == [
        ("Speaker 1", True),
        ("Speaker 1", False),
        ("Speaker 2", True),
        ("Speaker 2", False),
    ]
    assert paragraphs[0].stamp == "0:03"


def test_it_knows_numbered_and_accented_speakers() -> None:
    text = "I1: Question\nP12: Answer\nInt 2: Another\nÉmilie: Bonjour\nINTERVIEWER: Loud"
    paragraphs = split_paragraphs(text)
    assert [(p.speaker, p.kind) for p in paragraphs] == [
        ("I1", "interviewer"),
        ("P12", "participant"),
        ("Int 2", "interviewer"),
        ("Émilie", "other"),
        ("INTERVIEWER", "interviewer"),
    ]


def test_it_leaves_the_text_unchanged_and_ignores_times_in_sentences() -> None:
    text = "We met at 10:30 in the hall.\nLunch was at: noon, I think."
    paragraphs = split_paragraphs(text)
    assert [p.speaker for p in paragraphs] == ["", ""]
    assert [text[p.start : p.end] for p in paragraphs] == text.split("\n")
