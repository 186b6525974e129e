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
