"""Zip archives read within limits: transcript batches, .docx/.odt/.xlsx files, .qdpx projects.

A zip says how large each member unpacks to; a hostile one can lie or unpack to far more than it
weighs (a zip bomb). Every archive the app opens is checked here before any member is read, and
members are read with a cap, never whole.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass
from typing import IO

from django.conf import settings

MiB = 1024 * 1024
# The compression-ratio check applies to members above this size: tiny files can compress
# absurdly well without harm, and the total-size limit covers many small ones.
RATIO_MIN_SIZE = MiB

FILES, RATIO, TOTAL, MEMBER = "files", "ratio", "total", "member"
READ_CHUNK = MiB  # members are read this much at a time, so reading can stop at a limit


@dataclass(frozen=True)
class Limits:
    max_files: int
    max_file_size: int
    max_total_size: int
    max_ratio: int  # 0: no ratio check

    @classmethod
    def from_settings(cls) -> Limits:
        """The limits of a batch of interviews (settings IMPORT_MAX_*)."""
        return cls(
            max_files=settings.IMPORT_MAX_FILES,
            max_file_size=settings.IMPORT_MAX_FILE_SIZE,
            max_total_size=settings.IMPORT_MAX_TOTAL_SIZE,
            max_ratio=settings.IMPORT_MAX_COMPRESSION_RATIO,
        )


# A REFI-QDA project: one project.qde (which may be large) and its plain-text sources; its
# sources and totals have the limits of a batch, but a project may hold many more files.
QDE_MAX_BYTES = 256 * MiB
QDPX_MAX_FILES = 20_000


def qdpx_limits() -> Limits:
    """The limits of a REFI-QDA project (.qdpx), from the same settings as a batch's."""
    batch = Limits.from_settings()
    return Limits(
        max_files=max(batch.max_files, QDPX_MAX_FILES),
        max_file_size=batch.max_file_size,
        max_total_size=batch.max_total_size,
        max_ratio=batch.max_ratio,
    )


@dataclass
class Budget:
    """What a whole archive may unpack to, and how much of it has been read so far."""

    limit: int
    used: int = 0
    packed_size: int = 0

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)


def total_budget(limits: Limits, *, packed_size: int) -> Budget:
    """The budget of an archive: the total limit, and no more than `max_ratio` times its weight.

    A small archive of many members, each too small for the ratio check of one member, cannot
    unpack to hundreds of megabytes this way.
    """
    limit = limits.max_total_size
    if limits.max_ratio:
        limit = min(limit, max(packed_size, RATIO_MIN_SIZE) * limits.max_ratio)
    return Budget(limit=limit, packed_size=packed_size)


class ArchiveTooLarge(Exception):
    """An archive or member over a limit; each reader turns it into its own plain message."""

    def __init__(self, kind: str, *, member: str = "", size: int = -1, limit: int = 0) -> None:
        super().__init__(f"{kind} limit {limit} exceeded by {member or 'the archive'}")
        self.kind = kind
        self.member = member
        self.size = size  # -1: more than the limit, by how much is unknown (reading stopped)
        self.limit = limit


class ArchiveDamaged(Exception):
    """A member that cannot be unpacked (a broken or forged archive)."""

    def __init__(self, member: str) -> None:
        super().__init__(f"{member} cannot be unpacked")
        self.member = member


def check_declared(
    infos: list[zipfile.ZipInfo], limits: Limits, budget: Budget | None = None
) -> None:
    """Refuse, before reading anything, an archive whose members say they unpack to too much.

    One member may not unpack to far more than it weighs; all of them together may not pass
    the total limit, nor (with a budget) the archive's own budget.
    """
    total = 0
    for info in infos:
        total += info.file_size
        if limits.max_ratio and info.file_size > RATIO_MIN_SIZE:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_ratio:
                raise ArchiveTooLarge(
                    RATIO, member=info.filename, size=int(ratio), limit=limits.max_ratio
                )
    if total > limits.max_total_size:
        raise ArchiveTooLarge(TOTAL, size=total, limit=limits.max_total_size)
    if budget is not None and total > budget.limit:
        ratio = int(total / max(budget.packed_size, 1))
        raise ArchiveTooLarge(RATIO, size=ratio, limit=limits.max_ratio)


def declared_total(data: bytes) -> int:
    """What a zip held in memory says it unpacks to."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return sum(info.file_size for info in archive.infolist())


def read_capped(
    handle: IO[bytes], *, member: str, declared: int, limit: int, budget: Budget | None = None
) -> bytes:
    """Read a member, refusing it when it says or turns out larger than its limit or the budget.

    The declared size is checked before any byte is read; then the member is read in chunks
    and reading stops as soon as it passes what is left (a forged size cannot make it go on).
    """
    if declared > limit:
        raise ArchiveTooLarge(MEMBER, member=member, size=declared, limit=limit)
    cap = limit
    if budget is not None:
        if declared > budget.remaining:
            raise ArchiveTooLarge(TOTAL, size=budget.used + declared, limit=budget.limit)
        cap = min(limit, budget.remaining)
    chunks: list[bytes] = []
    got = 0
    try:
        while got <= cap:
            chunk = handle.read(min(READ_CHUNK, cap + 1 - got))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise ArchiveDamaged(member) from exc
    if got > cap:
        if cap < limit and budget is not None:
            raise ArchiveTooLarge(TOTAL, limit=budget.limit)
        raise ArchiveTooLarge(MEMBER, member=member, limit=limit)
    if budget is not None:
        budget.used += got
    return b"".join(chunks)
