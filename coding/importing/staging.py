"""Keeping an uploaded batch between its preview and its confirmation.

Uploads wait in a private folder of the server (IMPORT_STAGING_DIR, by default in the system's
temporary folder), never under static or media paths, each in a folder named by a random token
and readable only by the admin who uploaded it. Confirming validates the file again.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
STALE_AFTER = 24 * 60 * 60  # seconds; abandoned previews are removed after a day
META = "meta.json"
REPORT = "report.json"


@dataclass
class Staged:
    token: str
    folder: Path
    meta: dict[str, Any]

    @property
    def upload(self) -> Path:
        return self.folder / self.meta["upload"]

    @property
    def report(self) -> dict[str, Any]:
        path = self.folder / REPORT
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}

    def save_report(self, report: dict[str, Any]) -> None:
        (self.folder / REPORT).write_text(json.dumps(report), encoding="utf-8")


def staging_root() -> Path:
    root = Path(settings.IMPORT_STAGING_DIR or Path(tempfile.gettempdir()) / "peervalues-imports")
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    return root


def stage_upload(upload: UploadedFile, *, user_id: int, names: str, skip_invalid: bool) -> Staged:
    """Copy an upload into a new private folder with what the admin chose; return it."""
    purge_stale()
    token = secrets.token_urlsafe(24)
    folder = staging_root() / token
    folder.mkdir(mode=0o700)
    suffix = Path(upload.name or "").suffix.lower()
    target = folder / f"upload{suffix}"
    with target.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    meta = {
        "user_id": user_id,
        "source_name": Path(upload.name or "upload").name,
        "upload": target.name,
        "names": names,
        "skip_invalid": skip_invalid,
        "created": time.time(),
    }
    (folder / META).write_text(json.dumps(meta), encoding="utf-8")
    return Staged(token, folder, meta)


def staged_upload(token: str, *, user_id: int) -> Staged | None:
    """Return the staged upload of this token if it is this admin's, else None."""
    if not TOKEN_RE.match(token):
        return None
    folder = staging_root() / token
    try:
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if meta.get("user_id") != user_id:
        return None
    return Staged(token, folder, meta)


def discard(staged: Staged) -> None:
    shutil.rmtree(staged.folder, ignore_errors=True)


def purge_stale(now: float | None = None) -> None:
    """Remove staged uploads older than a day (previews that were never confirmed)."""
    now = now or time.time()
    root = staging_root()
    for folder in root.iterdir():
        try:
            if folder.is_dir() and now - folder.stat().st_mtime > STALE_AFTER:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue
