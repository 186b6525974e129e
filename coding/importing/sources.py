"""The files of a batch: a .zip or a folder with a manifest and files, or one .csv/.xlsx table.

Nothing is ever extracted to disk: zip members are read one at a time, straight from the
archive, with their sizes capped. Entries that point outside the batch (absolute paths, `..`),
archives that unpack to far more than they weigh (zip bombs), too many or too large files are
refused before any transcript is read.
"""

from __future__ import annotations

import difflib
import os
import re
import unicodedata
import zipfile
from pathlib import Path, PurePosixPath
from typing import IO

from .. import archives
from ..archives import ArchiveDamaged, ArchiveTooLarge, Limits
from . import problems as msg
from .manifest import MANIFEST_NAMES, NAMES_FILE, TABLE_SUFFIXES, Manifest, parse_manifest
from .problems import (
    ImportRefused,
    Problem,
    UnreadableFile,
    error,
    human_size,
    refusal_for,
    refuse,
)
from .text import decode_text

__all__ = ["BatchSource", "Limits", "open_batch"]

# Files that operating systems add to folders and zips by themselves.
JUNK_NAMES = {"thumbs.db", "desktop.ini", "__macosx"}


def check_total(total: int, limits: Limits) -> None:
    if total > limits.max_total_size:
        refuse(
            msg.TOO_LARGE_UNPACKED.format(
                size=human_size(total), limit=human_size(limits.max_total_size)
            )
        )


def is_unsafe_path(name: str) -> bool:
    posix = name.replace("\\", "/")
    return posix.startswith("/") or bool(re.match(r"^[A-Za-z]:", posix)) or ".." in posix.split("/")


def is_junk(path: str) -> bool:
    parts = path.split("/")
    return any(
        part.startswith(".") or part.lower() in JUNK_NAMES or part.startswith("~$")
        for part in parts
    )


def nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value)


def clean_file_value(value: str) -> str:
    """Normalise a file name from the manifest to the form of the batch's own paths."""
    value = nfc(value.strip().replace("\\", "/"))
    while value.startswith("./"):
        value = value[2:]
    return value


class BatchSource:
    """A batch being read: its manifest, its files (read on demand) and batch-wide problems."""

    name: str
    manifest: Manifest
    names_text: str = ""
    files_allowed: bool = True

    def __init__(self, name: str, limits: Limits) -> None:
        self.name = name
        self.limits = limits
        # Bytes actually read from the batch, all files together (a zip narrows it further).
        self.budget = archives.Budget(limit=limits.max_total_size)
        self.problems: list[Problem] = []
        self._sizes: dict[str, int] = {}  # path in the batch (NFC, "/") -> size
        self._base = ""  # folder of the manifest inside the batch, "" or "folder/"
        self._used: set[str] = set()

    # Subclasses provide the listing and the reading.
    def _open(self, path: str) -> IO[bytes]:
        raise NotImplementedError

    def close(self) -> None:
        """Release open files."""

    def __enter__(self) -> BatchSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _setup(self, sizes: dict[str, int]) -> None:
        """Check the limits, then find and read the manifest and the names file."""
        self._sizes = sizes
        if len(sizes) > self.limits.max_files + 2:  # the manifest and names file are extra
            refuse(msg.TOO_MANY_FILES.format(count=len(sizes), limit=self.limits.max_files))
        manifests = [p for p in sizes if PurePosixPath(p).name.lower() in MANIFEST_NAMES]
        if not manifests:
            refuse(msg.NO_MANIFEST)
        depth = min(p.count("/") for p in manifests)
        shallowest = sorted(p for p in manifests if p.count("/") == depth)
        if len(shallowest) > 1:
            refuse(msg.SEVERAL_MANIFESTS.format(files=", ".join(shallowest)))
        manifest_path = shallowest[0]
        self._base = manifest_path[: manifest_path.rfind("/") + 1]
        self.manifest = parse_manifest(self._read_capped(manifest_path), manifest_path, self.limits)
        self._used.add(manifest_path)
        for path in sizes:
            if path.lower() == (self._base + NAMES_FILE).lower():
                self._used.add(path)
                try:
                    self.names_text = decode_text(self._read_capped(path), path).text
                except UnreadableFile as exc:
                    refuse(str(exc))
        self.problems += self.manifest.problems
        self._folded = {}
        for path in sizes:
            self._folded.setdefault(path.casefold(), []).append(path)

    def _read_capped(self, path: str) -> bytes:
        """Read one file within its limit and the batch's budget (checked before reading)."""
        try:
            with self._open_checked(path) as handle:
                return archives.read_capped(
                    handle,
                    member=path,
                    declared=self._sizes[path],
                    limit=self.limits.max_file_size,
                    budget=self.budget,
                )
        except ArchiveTooLarge as exc:
            if exc.kind == archives.TOTAL:  # the batch as a whole: reading stops here
                refuse(refusal_for(exc, self.name))
            raise UnreadableFile(refusal_for(exc, self.name)) from None
        except ArchiveDamaged:
            raise UnreadableFile(msg.DAMAGED_MEMBER.format(file=path)) from None

    def _open_checked(self, path: str) -> IO[bytes]:
        size = self._sizes[path]
        if size > self.limits.max_file_size:  # refused before it is opened
            raise ArchiveTooLarge(
                archives.MEMBER, member=path, size=size, limit=self.limits.max_file_size
            )
        return self._open(path)

    def locate(self, value: str) -> str:
        """Return the batch path of a manifest file name, or raise UnreadableFile saying why."""
        wanted = clean_file_value(value)
        if not self.files_allowed:
            raise UnreadableFile(msg.FILE_NOT_UPLOADED.format(file=value))
        if is_unsafe_path(wanted):
            raise UnreadableFile(msg.BAD_PATH_IN_ROW.format(file=value))
        path = self._base + wanted
        if path not in self._sizes:
            # Windows and macOS users do not see the case of a name as part of it.
            matches = self._folded.get(path.casefold(), [])
            if len(matches) != 1:
                candidates = [p[len(self._base) :] for p in self._sizes if p.startswith(self._base)]
                close = difflib.get_close_matches(wanted, candidates, n=1)
                if close:
                    raise UnreadableFile(
                        msg.FILE_NOT_FOUND_SUGGEST.format(file=value, close=close[0])
                    )
                raise UnreadableFile(msg.FILE_NOT_FOUND.format(file=value))
            path = matches[0]
        self._used.add(path)
        return path

    def read(self, path: str) -> bytes:
        return self._read_capped(path)

    def orphans(self) -> list[str]:
        """Files of the batch that no manifest row named (call after locating every row)."""
        return sorted(p for p in self._sizes if p not in self._used)


class ZipBatch(BatchSource):
    def __init__(self, path: Path, name: str, limits: Limits) -> None:
        super().__init__(name, limits)
        try:
            self._zip = zipfile.ZipFile(path)
            self.budget = archives.total_budget(limits, packed_size=path.stat().st_size)
        except (zipfile.BadZipFile, OSError):
            refuse(msg.BAD_ZIP)
        try:
            self._setup(self._list())
        except BaseException:
            self._zip.close()
            raise

    def _list(self) -> dict[str, int]:
        infos = self._zip.infolist()
        unsafe = [
            error(msg.UNSAFE_PATH.format(file=info.filename))
            for info in infos
            if is_unsafe_path(info.filename)
        ]
        if unsafe:
            raise ImportRefused(unsafe)
        files = [info for info in infos if not info.is_dir()]
        try:
            archives.check_declared(files, self.limits, self.budget)
        except ArchiveTooLarge as exc:
            refuse(refusal_for(exc, self.name))
        sizes: dict[str, int] = {}
        self._infos: dict[str, zipfile.ZipInfo] = {}
        for info in files:
            path = nfc(zip_member_name(info))
            if is_junk(path):
                continue
            if info.flag_bits & 0x1:
                refuse(msg.ENCRYPTED_ZIP.format(file=path))
            sizes[path] = info.file_size
            self._infos[path] = info
        return sizes

    def _open(self, path: str) -> IO[bytes]:
        return self._zip.open(self._infos[path])

    def close(self) -> None:
        self._zip.close()


def zip_member_name(info: zipfile.ZipInfo) -> str:
    """Return a member's name, repairing UTF-8 names stored without the UTF-8 flag (macOS)."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


class FolderBatch(BatchSource):
    def __init__(self, root: Path, name: str, limits: Limits) -> None:
        super().__init__(name, limits)
        self._root = root
        self._paths: dict[str, Path] = {}
        self._setup(self._list())

    def _list(self) -> dict[str, int]:
        sizes: dict[str, int] = {}
        total = 0
        for folder, dirnames, filenames in os.walk(self._root, followlinks=False):
            dirnames[:] = [d for d in dirnames if not is_junk(d)]
            for filename in filenames:
                full = Path(folder) / filename
                path = nfc(full.relative_to(self._root).as_posix())
                if is_junk(path):
                    continue
                if full.is_symlink():
                    refuse(msg.UNSAFE_LINK.format(file=path))
                size = full.stat().st_size
                total += size
                sizes[path] = size
                self._paths[path] = full
                if len(sizes) > self.limits.max_files + 2:
                    refuse(msg.TOO_MANY_FILES.format(count="more", limit=self.limits.max_files))
        check_total(total, self.limits)
        return sizes

    def _open(self, path: str) -> IO[bytes]:
        return self._paths[path].open("rb")


class TableBatch(BatchSource):
    """One .csv or .xlsx: transcripts in its 'text' column; 'file' names cannot be reached."""

    files_allowed = False

    def __init__(self, path: Path, name: str, limits: Limits) -> None:
        super().__init__(name, limits)
        check_total(path.stat().st_size, limits)
        self.manifest = parse_manifest(path.read_bytes(), name, limits)
        self.problems += self.manifest.problems
        self._folded = {}


def open_batch(path: Path, *, name: str | None = None, limits: Limits | None = None) -> BatchSource:
    """Open a batch for reading; raise ImportRefused when it cannot be imported at all.

    A manifest.csv (or manifest.xlsx) stands for the folder it is in; any other .csv or .xlsx
    is a table whose 'text' column holds the transcripts.
    """
    limits = limits or Limits.from_settings()
    name = name or path.name
    if not path.exists():
        refuse(msg.NOT_FOUND.format(path=path))
    if path.is_dir():
        return FolderBatch(path, name, limits)
    if path.name.lower() in MANIFEST_NAMES:
        return FolderBatch(path.parent, name, limits)
    suffix = path.suffix.lower()
    if suffix == ".zip":
        return ZipBatch(path, name, limits)
    if suffix in TABLE_SUFFIXES:
        return TableBatch(path, name, limits)
    refuse(msg.NOT_A_BATCH)
