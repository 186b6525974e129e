"""Offsets of imported texts carried through normalisation (CRLF, NFC, trailing spaces)."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from coding.interop.offsets import normalise_with_map
from coding.models import normalise_text


def test_it_keeps_a_selection_on_its_words_across_crlf() -> None:
    old = "Line one  \r\nI felt safe here.\r\n"
    start = old.index("safe")
    new, offsets = normalise_with_map(old)
    assert new == "Line one\nI felt safe here."
    assert new[offsets.start(start) : offsets.end(start + 4)] == "safe"


def test_it_maps_into_composed_characters() -> None:
    old = "cafe\u0301 time"  # "café" written as e + combining acute accent
    new, offsets = normalise_with_map(old)
    assert new == "café time"
    # A selection of the decomposed "é" (two code points) becomes the one composed character.
    assert new[offsets.start(3) : offsets.end(5)] == "é"
    assert new[offsets.start(6) : offsets.end(10)] == "time"


def test_it_drops_leading_blank_lines_and_trailing_spaces() -> None:
    old = "\n\n  \nHello   \nworld \n\n"
    new, offsets = normalise_with_map(old)
    assert new == normalise_text(old) == "Hello\nworld"
    assert new[offsets.start(old.index("Hello")) : offsets.end(old.index("Hello") + 5)] == "Hello"
    # A selection of only the removed trailing spaces has nothing left.
    spaces = old.index("   ")
    assert offsets.start(spaces) == offsets.end(spaces + 3)


def test_it_is_the_identity_for_normalised_text() -> None:
    text = "Already normal 😊 text\nwith two lines"
    new, offsets = normalise_with_map(text)
    assert new == text
    assert offsets.is_identity


PIECES = st.sampled_from(["a", "b", "😊", " ", "\t", "\n", "\r\n", "\r", "e\u0301", "\u1100\u1161"])


@given(st.lists(PIECES, max_size=40))
def test_it_agrees_with_normalise_text_and_keeps_letters_in_place(pieces: list[str]) -> None:
    old = "".join(pieces)
    new, offsets = normalise_with_map(old)
    assert new == normalise_text(old)
    for i, ch in enumerate(old):
        if ch in "ab😊":  # characters that never merge with a neighbour
            position = offsets.start(i)
            assert new[position] == ch
            assert offsets.end(i + 1) == position + 1
    # Every position maps inside the new text, in order.
    mapped = [offsets.start(i) for i in range(len(old) + 1)]
    assert mapped == sorted(mapped)
    assert all(0 <= m <= len(new) for m in mapped)
    assert unicodedata.is_normalized("NFC", new)
