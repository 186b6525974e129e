"""Long id lists looked up or changed in slices, so one query never has too many parameters."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

# SQLite refuses a statement with more than 32,766 parameters (999 before 3.32); 500 per
# IN (...) list stays far below either, even when one statement repeats the list.
IN_QUERY_SIZE = 500


def chunked(items: Sequence[T], size: int = IN_QUERY_SIZE) -> Iterator[list[T]]:
    """Yield `items` in consecutive lists of at most `size`."""
    for start in range(0, len(items), size):
        yield list(items[start : start + size])
