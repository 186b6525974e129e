"""Zip archives read within limits: transcript batches, .docx/.odt/.xlsx files, .qdpx projects.

A zip says how large each member unpacks to; a hostile one can lie or unpack to far more than it
weighs (a zip bomb). Every archive the app opens is checked here before any member is read, and
members are read with a cap, never whole.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import IO

from django.conf import settings

MiB = 1024 * 1024
# The compression-ratio check applies to members above this size: tiny files can compress
# absurdly well without harm, and the total-size limit covers many small ones.
RATIO_MIN_SIZE = MiB

FILES, RATIO, TOTAL, MEMBER = "files", "ratio", "total", "member"


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


# A REFI-QDA project: one project.qde (which may be large) and its plain-text sources.
QDE_MAX_BYTES = 256 * MiB
QDPX_LIMITS = Limits(
    max_files=20_000, max_file_size=128 * MiB, max_total_size=1024 * MiB, max_ratio=0
)


class ArchiveTooLarge(Exception):
    """An archive or member over a limit; each reader turns it into its own plain message."""

    def __init__(self, kind: str, *, member: str = "", size: int = -1, limit: int = 0) -> None:
        super().__init__(f"{kind} limit {limit} exceeded by {member or 'the archive'}")
        self.kind = kind
        self.member = member
        self.size = size  # -1: more than the limit, by how much is unknown (reading stopped)
        self.limit = limit


def check_declared(infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    """Refuse members that say they unpack to far more than they weigh, or to a total too large."""
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


def declared_total(data: bytes) -> int:
    """What a zip held in memory says it unpacks to."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return sum(info.file_size for info in archive.infolist())


def read_capped(handle: IO[bytes], *, member: str, declared: int, limit: int) -> bytes:
    """Read at most `limit` bytes of a member, refusing it when it says or turns out larger."""
    if declared > limit:
        raise ArchiveTooLarge(MEMBER, member=member, size=declared, limit=limit)
    data = handle.read(limit + 1)
    if len(data) > limit:
        raise ArchiveTooLarge(MEMBER, member=member, limit=limit)
    return data
