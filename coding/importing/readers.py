"""Reading a batch: a .zip or a folder with a manifest and files, or one .csv/.xlsx table.

Nothing is ever extracted to disk: zip members are read one at a time, straight from the
archive, with their sizes capped. Entries that point outside the batch (absolute paths, `..`),
archives that unpack to far more than they weigh (zip bombs), too many or too large files are
refused before any transcript is read.
"""

from __future__ import annotations

import csv
import difflib
import io
import os
import re
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.conf import settings

from . import problems as msg
from .problems import ImportRefused, Problem, UnreadableFile, error, human_size, warning
from .text import decode_text

MANIFEST_NAMES = {"manifest.csv", "manifest.xlsx"}
NAMES_FILE = "names.txt"
TABLE_SUFFIXES = {".csv", ".xlsx"}
# Files that operating systems add to folders and zips by themselves.
JUNK_NAMES = {"thumbs.db", "desktop.ini", "__macosx"}
# The compression-ratio check applies to members above this size: tiny files can compress
# absurdly well without harm, and the total-size limit covers many small ones.
RATIO_MIN_SIZE = 1024 * 1024

REQUIRED_COLUMNS = [
    "project",
    "participant",
    "participant_role",
    "interview_date",
    "interviewer",
    "mode",
]
RESERVED_COLUMNS = {*REQUIRED_COLUMNS, "file", "text", "title", "redact"}
TEMPLATE_COLUMNS = ["file", *REQUIRED_COLUMNS, "redact", "age_band"]


@dataclass(frozen=True)
class Limits:
    max_files: int
    max_file_size: int
    max_total_size: int
    max_ratio: int

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            max_files=settings.IMPORT_MAX_FILES,
            max_file_size=settings.IMPORT_MAX_FILE_SIZE,
            max_total_size=settings.IMPORT_MAX_TOTAL_SIZE,
            max_ratio=settings.IMPORT_MAX_COMPRESSION_RATIO,
        )


@dataclass
class ManifestRow:
    number: int  # as a spreadsheet shows it: the header is row 1
    values: dict[str, str]
    attributes: dict[str, str]


@dataclass
class Manifest:
    name: str
    rows: list[ManifestRow]
    inline_text: bool
    problems: list[Problem] = field(default_factory=list)


def column_key(header: str) -> str:
    """Return the key of a header cell: "Interview date" and "interview_date" are the same."""
    return re.sub(r"[\s\-]+", "_", header.replace("\ufeff", "").strip().lower())


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def build_manifest(
    name: str, table: Iterable[list[Any]], limits: Limits, problems: list[Problem]
) -> Manifest:
    """Check the header of a table and turn its rows into ManifestRows."""
    rows_iter = iter(table)
    header = [cell_text(cell) for cell in next(rows_iter, [])]
    keys = [column_key(h) for h in header]
    fatal: list[Problem] = []
    seen: set[str] = set()
    for key, label in zip(keys, header, strict=True):
        if key and key in seen:
            fatal.append(error(msg.DUPLICATE_COLUMN.format(file=name, column=label.strip())))
        seen.add(key)
    missing = [c for c in REQUIRED_COLUMNS if c not in seen]
    if missing:
        fatal.append(error(msg.MISSING_COLUMNS.format(file=name, columns=", ".join(missing))))
    if "file" not in seen and "text" not in seen:
        fatal.append(error(msg.NO_FILE_OR_TEXT_COLUMN.format(file=name)))
    if fatal:
        raise ImportRefused(fatal)

    rows: list[ManifestRow] = []
    for number, cells in enumerate(rows_iter, start=2):
        texts = [cell_text(cell) for cell in cells]
        if not any(t.strip() for t in texts):
            continue
        if len(rows) >= limits.max_files:
            count = len(rows) + 1 + sum(1 for _ in rows_iter)
            raise ImportRefused(
                [error(msg.TOO_MANY_ROWS.format(count=count, limit=limits.max_files))]
            )
        values: dict[str, str] = {}
        attributes: dict[str, str] = {}
        for key, label, value in zip(keys, header, texts, strict=False):
            if key == "text":
                values[key] = value  # kept as written: the text is normalised later
            elif key in RESERVED_COLUMNS:
                values[key] = value.strip()
            elif key and value.strip():
                attributes[label.replace("\ufeff", "").strip()] = value.strip()
        rows.append(ManifestRow(number, values, attributes))
    if not rows:
        raise ImportRefused([error(msg.EMPTY_MANIFEST.format(file=name))])
    return Manifest(name, rows, inline_text="text" in seen, problems=problems)


def parse_manifest(data: bytes, name: str, limits: Limits) -> Manifest:
    if PurePosixPath(name).suffix.lower() == ".xlsx":
        return parse_xlsx(data, name, limits)
    return parse_csv(data, name, limits)


def parse_csv(data: bytes, name: str, limits: Limits) -> Manifest:
    problems: list[Problem] = []
    try:
        decoded = decode_text(data, name)
    except UnreadableFile as exc:
        raise ImportRefused([error(str(exc))]) from None
    problems += [warning(w, file=name) for w in decoded.warnings]
    text = decoded.text
    first_line = text.split("\n", 1)[0]
    # Excel in many European locales saves "CSV" with semicolons; the header tells which.
    known = RESERVED_COLUMNS

    def score(sep: str) -> int:
        return sum(column_key(h) in known for h in first_line.split(sep))

    delimiter = max([",", ";", "\t"], key=score)
    if delimiter == ";":
        problems.append(warning(msg.SEMICOLON_MANIFEST.format(file=name), file=name))
    try:
        table = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise ImportRefused(
            [error(msg.UNREADABLE_MANIFEST.format(file=name, reason=exc))]
        ) from None
    return build_manifest(name, table, limits, problems)


def parse_xlsx(data: bytes, name: str, limits: Limits) -> Manifest:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            check_members(archive.infolist(), name, limits, inner=True)
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except ImportRefused:
        raise
    except Exception:  # openpyxl and zipfile raise many kinds on a damaged file
        raise ImportRefused([error(msg.BAD_SPREADSHEET.format(file=name))]) from None
    try:
        sheet = workbook.worksheets[0]
        table = [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()
    return build_manifest(name, table, limits, [])


def check_members(
    infos: list[zipfile.ZipInfo], name: str, limits: Limits, *, inner: bool = False
) -> None:
    """Refuse zip members that would unpack to far more than their packed size or the limit."""
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > RATIO_MIN_SIZE:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_ratio:
                member = name if inner else info.filename
                raise ImportRefused(
                    [
                        error(
                            msg.ZIP_BOMB.format(
                                file=member, ratio=int(ratio), limit=limits.max_ratio
                            )
                        )
                    ]
                )
    if total > limits.max_total_size:
        raise ImportRefused(
            [
                error(
                    msg.TOO_LARGE_UNPACKED.format(
                        size=human_size(total), limit=human_size(limits.max_total_size)
                    )
                )
            ]
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
            raise ImportRefused(
                [error(msg.TOO_MANY_FILES.format(count=len(sizes), limit=self.limits.max_files))]
            )
        manifests = [p for p in sizes if PurePosixPath(p).name.lower() in MANIFEST_NAMES]
        if not manifests:
            raise ImportRefused([error(msg.NO_MANIFEST)])
        depth = min(p.count("/") for p in manifests)
        shallowest = sorted(p for p in manifests if p.count("/") == depth)
        if len(shallowest) > 1:
            raise ImportRefused([error(msg.SEVERAL_MANIFESTS.format(files=", ".join(shallowest)))])
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
                    raise ImportRefused([error(str(exc))]) from None
        self.problems += self.manifest.problems
        self._folded = {}
        for path in sizes:
            self._folded.setdefault(path.casefold(), []).append(path)

    def _read_capped(self, path: str) -> bytes:
        size = self._sizes[path]
        if size > self.limits.max_file_size:
            raise UnreadableFile(
                msg.FILE_TOO_LARGE.format(
                    file=path,
                    size=human_size(size),
                    limit=human_size(self.limits.max_file_size),
                )
            )
        with self._open(path) as handle:
            data = handle.read(self.limits.max_file_size + 1)
        if len(data) > self.limits.max_file_size:
            raise UnreadableFile(
                msg.FILE_TOO_LARGE.format(
                    file=path, size="more", limit=human_size(self.limits.max_file_size)
                )
            )
        return data

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
        except (zipfile.BadZipFile, OSError):
            raise ImportRefused([error(msg.BAD_ZIP)]) from None
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
        check_members(files, self.name, self.limits)
        sizes: dict[str, int] = {}
        self._infos: dict[str, zipfile.ZipInfo] = {}
        for info in files:
            path = nfc(zip_member_name(info))
            if is_junk(path):
                continue
            if info.flag_bits & 0x1:
                raise ImportRefused([error(msg.ENCRYPTED_ZIP.format(file=path))])
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
                    raise ImportRefused([error(msg.UNSAFE_LINK.format(file=path))])
                size = full.stat().st_size
                total += size
                sizes[path] = size
                self._paths[path] = full
                if len(sizes) > self.limits.max_files + 2:
                    raise ImportRefused(
                        [
                            error(
                                msg.TOO_MANY_FILES.format(count="more", limit=self.limits.max_files)
                            )
                        ]
                    )
        if total > self.limits.max_total_size:
            raise ImportRefused(
                [
                    error(
                        msg.TOO_LARGE_UNPACKED.format(
                            size=human_size(total), limit=human_size(self.limits.max_total_size)
                        )
                    )
                ]
            )
        return sizes

    def _open(self, path: str) -> IO[bytes]:
        return self._paths[path].open("rb")


class TableBatch(BatchSource):
    """One .csv or .xlsx: transcripts in its 'text' column; 'file' names cannot be reached."""

    files_allowed = False

    def __init__(self, path: Path, name: str, limits: Limits) -> None:
        super().__init__(name, limits)
        size = path.stat().st_size
        if size > limits.max_total_size:
            raise ImportRefused(
                [
                    error(
                        msg.TOO_LARGE_UNPACKED.format(
                            size=human_size(size), limit=human_size(limits.max_total_size)
                        )
                    )
                ]
            )
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
        raise ImportRefused([error(msg.NOT_FOUND.format(path=path))])
    if path.is_dir():
        return FolderBatch(path, name, limits)
    if path.name.lower() in MANIFEST_NAMES:
        return FolderBatch(path.parent, name, limits)
    suffix = path.suffix.lower()
    if suffix == ".zip":
        return ZipBatch(path, name, limits)
    if suffix in TABLE_SUFFIXES:
        return TableBatch(path, name, limits)
    raise ImportRefused([error(msg.NOT_A_BATCH)])


def manifest_template() -> str:
    """The CSV an admin downloads to start a manifest, with two example rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(TEMPLATE_COLUMNS)
    writer.writerow(
        ["interview-01.docx", "side-by-side", "Willow", "participant", "2024-03-31", "Amira",
         "in person", "Sarah Jones=Rose;Dr Patel", "25-34"]
    )  # fmt: skip
    writer.writerow(
        ["interview-02.txt", "Side by Side", "Rowan", "facilitator", "14/04/2024", "Ben",
         "online", "", "45-54"]
    )  # fmt: skip
    return out.getvalue()
