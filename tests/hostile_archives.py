"""Hostile zip archives built quickly in tests: huge members that weigh almost nothing.

Compressing hundreds of megabytes would take the test longer than the import it checks, so a
member is written as one small deflated block repeated: a block ending in a full flush is
byte-aligned and independent of what came before, so N copies unpack to N times its text.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

MiB = 1024 * 1024


@dataclass(frozen=True)
class Member:
    name: str
    packed: bytes
    crc: int
    size: int  # what it unpacks to
    declared: int | None = None  # what the headers say it unpacks to (a lie, when set)


def repeated(name: str, block: bytes, times: int) -> Member:
    """A member that unpacks to `block` written `times` times."""
    squeezer = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = squeezer.compress(block) + squeezer.flush(zlib.Z_FULL_FLUSH)
    end = zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)
    crc = 0
    for _ in range(times):
        crc = zlib.crc32(block, crc)
    return Member(name, chunk * times + end, crc, len(block) * times)


def plain(name: str, data: bytes, declared: int | None = None) -> Member:
    squeezer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return Member(
        name, squeezer.compress(data) + squeezer.flush(), zlib.crc32(data), len(data), declared
    )


def write_zip(path: Path, members: list[Member]) -> Path:
    """Write the members as a deflated zip (headers by hand, sizes as each member says)."""
    central = b""
    with path.open("wb") as out:
        for m in members:
            name = m.name.encode()
            size = m.size if m.declared is None else m.declared
            offset = out.tell()
            fields = (20, 0, 8, 0, 0x21, m.crc, len(m.packed), size, len(name), 0)
            out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields) + name + m.packed)
            central += (
                struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, *fields, 0, 0, 0, 0, offset)
                + name
            )
        start = out.tell()
        out.write(central)
        out.write(
            struct.pack(
                "<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), start, 0
            )
        )
    return path
