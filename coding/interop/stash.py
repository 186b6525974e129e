"""Uploaded REFI-QDA files kept between the upload, mapping and confirm steps.

They live in a private folder of the temporary directory (never under a served path), named by a
random token that the uploader's session holds; a stash older than a day is removed.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import time
from pathlib import Path
from typing import IO

MAX_AGE_SECONDS = 24 * 60 * 60
SESSION_KEY = "refi_uploads"


def stash_dir() -> Path:
    folder = Path(tempfile.gettempdir()) / "peervalues-refi"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def stash_path(token: str) -> Path | None:
    if not token or not all(ch.isalnum() or ch in "-_" for ch in token):
        return None
    path = stash_dir() / f"{token}.upload"
    return path if path.is_file() else None


def stash_save(upload: IO[bytes]) -> str:
    """Copy an upload into the stash and return its token."""
    _remove_old()
    token = secrets.token_urlsafe(18)
    with (stash_dir() / f"{token}.upload").open("wb") as handle:
        shutil.copyfileobj(upload, handle)
    return token


def stash_discard(token: str) -> None:
    path = stash_path(token)
    if path is not None:
        path.unlink(missing_ok=True)


def _remove_old() -> None:
    cutoff = time.time() - MAX_AGE_SECONDS
    for path in stash_dir().glob("*.upload"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
