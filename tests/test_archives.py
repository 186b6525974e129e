"""Every archive read within a budget: declared and actual sizes, a total per archive, hostile
archives refused in seconds and in little memory."""

from __future__ import annotations

import io
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from coding import archives
from coding.archives import ArchiveTooLarge, Budget, Limits
from coding.importing import batch_import
from coding.importing import problems as msg
from coding.interop.qde import RefiError
from coding.interop.refi_import import refi_import
from coding.models import Interview

from .hostile_archives import MiB, plain, repeated, write_zip
from .refi_factories import simple_project
from .test_importing_pipeline import manifest

MEMORY_BUDGET = 48 * MiB  # what a preview of a hostile archive may hold at its peak
TIME_BUDGET = 8.0  # seconds, generous for a shared, loaded test machine
LIMITS = Limits(max_files=2000, max_file_size=20 * MiB, max_total_size=1024 * MiB, max_ratio=100)


@contextmanager
def budget_check() -> Iterator[Callable[[], tuple[float, int]]]:
    tracemalloc.start()
    started = time.perf_counter()
    figures: list[tuple[float, int]] = []
    try:
        yield lambda: figures[0]
    finally:
        figures.append((time.perf_counter() - started, tracemalloc.get_traced_memory()[1]))
        tracemalloc.stop()


def hostile_qdpx(path: Path, *, sources: int = 8, each: int = 120 * MiB) -> Path:
    """A small .qdpx whose sources each unpack to `each` bytes."""
    source_xml = "".join(
        f'<TextSource guid="00000000-0000-4000-8000-{n:012d}" name="Source {n}" '
        f'plainTextPath="internal://s{n}.txt"/>'
        for n in range(sources)
    )
    block = b"a" * MiB  # packs to about 1 KB, the most deflate can squeeze
    members = [plain("project.qde", simple_project(source_xml).encode())]
    source = repeated("sources/s0.txt", block, each // len(block))
    members += [replace(source, name=f"sources/s{n}.txt") for n in range(sources)]
    return write_zip(path, members)


def test_it_refuses_a_qdpx_declaring_huge_sources_in_seconds(project: Any, tmp_path: Path) -> None:
    path = hostile_qdpx(tmp_path / "hostile.qdpx")
    assert path.stat().st_size < 2 * MiB
    with budget_check() as figures, path.open("rb") as handle, pytest.raises(RefiError) as caught:
        refi_import(file=handle, filename="hostile.qdpx", project=project, dry_run=True)
    seconds, peak = figures()
    [message] = caught.value.messages
    assert message.startswith("hostile.qdpx unpacks to ") and "(the limit is 100×)" in message
    assert seconds < TIME_BUDGET and peak < MEMORY_BUDGET, (seconds, peak)
    assert not Interview.objects.exists()


def test_it_refuses_a_small_zip_of_900_members_that_unpacks_to_900_mb(
    project: Any, tmp_path: Path
) -> None:
    block = b"Participant: " + b"a" * (MiB - 14)
    rows = [f"f{n}.txt,side-by-side,P{n},participant,,Amira,in person," for n in range(900)]
    members = [plain("manifest.csv", manifest(*rows).encode())]
    # Each member stays just under the size from which the ratio of one member is checked.
    member = repeated("f0.txt", block, 1)
    members += [replace(member, name=f"f{n}.txt") for n in range(900)]
    path = write_zip(tmp_path / "many.zip", members)
    assert path.stat().st_size < 2 * MiB
    with budget_check() as figures:
        report = batch_import(path=path, dry_run=True, limits=LIMITS)
    seconds, peak = figures()
    assert report.refused
    [message] = [p.message for p in report.problems]
    assert message.startswith("many.zip unpacks to ") and "(the limit is 100×)" in message
    assert seconds < TIME_BUDGET and peak < MEMORY_BUDGET, (seconds, peak)


def test_it_says_plainly_when_a_member_is_larger_than_it_declares(
    project: Any, tmp_path: Path
) -> None:
    rows = ["a.txt,side-by-side,Willow,participant,,Amira,in person,"]
    text = b"Participant: " + b"a long answer " * 2000
    members = [plain("manifest.csv", manifest(*rows).encode()), plain("a.txt", text, declared=40)]
    report = batch_import(path=write_zip(tmp_path / "lying.zip", members), dry_run=True)
    assert report.rows[0].errors == [msg.DAMAGED_MEMBER.format(file="a.txt")]


def test_it_stops_reading_at_the_archive_total() -> None:
    budget = Budget(limit=3000)
    first = archives.read_capped(
        io.BytesIO(b"x" * 2000), member="a", declared=2000, limit=5000, budget=budget
    )
    assert len(first) == 2000 and budget.used == 2000
    endless = io.BytesIO(b"y" * 50_000)  # says nothing of its size (declared 0)
    with pytest.raises(ArchiveTooLarge) as caught:
        archives.read_capped(endless, member="b", declared=0, limit=40_000, budget=budget)
    assert caught.value.kind == archives.TOTAL and caught.value.limit == 3000
    assert endless.tell() <= 3000 + archives.READ_CHUNK  # it stopped, it did not read it all


def test_it_refuses_before_reading_when_the_declared_sizes_pass_the_total() -> None:
    budget = Budget(limit=3000, used=2500)
    never = io.BytesIO(b"z" * 1000)
    with pytest.raises(ArchiveTooLarge) as caught:
        archives.read_capped(never, member="c", declared=1000, limit=5000, budget=budget)
    assert caught.value.kind == archives.TOTAL and never.tell() == 0


def test_it_budgets_a_whole_archive_by_its_packed_size() -> None:
    assert archives.total_budget(LIMITS, packed_size=2 * MiB).limit == 200 * MiB
    assert archives.total_budget(LIMITS, packed_size=50 * MiB).limit == 1024 * MiB
    assert archives.total_budget(LIMITS, packed_size=1000).limit == 100 * MiB  # small files
