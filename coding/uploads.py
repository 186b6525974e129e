"""Uploads kept between their preview and their confirmation: batch imports and REFI-QDA files.

Each upload waits under a random token, in a folder of its own holding the file and a small
`meta.json` (who uploaded it, when, what they chose). Only the admin who uploaded it can preview,
confirm or discard it; an upload expires `UPLOADS_MAX_AGE` seconds after it was made.

The files go through a Django `Storage`: the bucket of `STORAGE_URL` when set (STORAGES
["uploads"]), else the one named by `UPLOADS_STORAGE`, by default a private folder of the server
(`UPLOADS_DIR`, never under a served path). Several web servers that share one
storage (a shared volume, or S3 through django-storages) can each confirm a preview another made.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.utils.module_loading import import_string

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
META = "meta.json"
BATCH = "batch"  # kinds of upload: an interview batch, a REFI-QDA project or codebook
REFI = "refi"
# The uploader's session holds, under this prefix and the token, the key to the sealed names.
SESSION_PREFIX = "upload-key:"


def uploads_root() -> Path:
    """The folder of the default storage (a private folder of the system's temporary one)."""
    root = Path(settings.UPLOADS_DIR or Path(tempfile.gettempdir()) / "peervalues-uploads")
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    return root


def upload_storage() -> Storage:
    """The storage uploads wait in, read from the settings on each call (tests change them)."""
    if "uploads" in settings.STORAGES:  # STORAGE_URL: a bucket that every server shares
        return storages.create_storage(settings.STORAGES["uploads"])
    backend = import_string(settings.UPLOADS_STORAGE)
    if issubclass(backend, FileSystemStorage):
        return backend(
            location=uploads_root(),
            file_permissions_mode=0o600,
            directory_permissions_mode=0o700,
        )
    return backend()  # its own settings say where (django-storages: AWS_STORAGE_BUCKET_NAME…)


@dataclass
class Stashed:
    token: str
    meta: dict[str, Any]

    @property
    def upload_name(self) -> str:
        return f"{self.token}/{self.meta['upload']}"

    @property
    def source_name(self) -> str:
        return self.meta["source_name"]

    def save(self) -> None:
        """Store the metadata again after a change (what the admin chose, the last report)."""
        _write_meta(upload_storage(), self.token, self.meta)

    def open(self) -> IO[bytes]:
        return upload_storage().open(self.upload_name, "rb")

    @contextmanager
    def local_path(self) -> Iterator[Path]:
        """The upload as a file on this server's disk (copied there from a remote storage)."""
        storage = upload_storage()
        if isinstance(storage, FileSystemStorage):  # already on this server's disk
            yield Path(storage.path(self.upload_name))
            return
        with tempfile.TemporaryDirectory() as folder:
            copy = Path(folder) / PurePosixPath(self.upload_name).name
            with storage.open(self.upload_name, "rb") as source, copy.open("wb") as out:
                shutil.copyfileobj(source, out)
            yield copy


def stash_upload(upload: File, *, user_id: int, kind: str, **data: Any) -> Stashed:
    """Keep an upload for its uploader with what they chose (`data`); return it."""
    uploads_purge()
    storage = upload_storage()
    token = secrets.token_urlsafe(24)
    suffix = PurePosixPath(upload.name or "").suffix.lower()
    if not re.fullmatch(r"\.[a-z0-9]{1,8}", suffix):
        suffix = ""
    upload.seek(0)
    storage.save(f"{token}/upload{suffix}", upload)
    meta = {
        "kind": kind,
        "user_id": user_id,
        "source_name": PurePosixPath((upload.name or "upload").replace("\\", "/")).name,
        "upload": f"upload{suffix}",
        "created": time.time(),
        **data,
    }
    _write_meta(storage, token, meta)
    return Stashed(token, meta)


def stashed_upload(token: str, *, user_id: int, kind: str) -> Stashed | None:
    """The upload of this token if it is this admin's, of this kind and not expired; else None."""
    if not TOKEN_RE.match(token or ""):
        return None
    storage = upload_storage()
    meta = _read_meta(storage, token)
    if meta is None or meta.get("user_id") != user_id or meta.get("kind") != kind:
        return None
    if _expired(meta):
        stash_discard(token)
        return None
    return Stashed(token, meta)


def stash_discard(token: str) -> None:
    """Delete an upload and its metadata."""
    if TOKEN_RE.match(token or ""):
        _discard_any(upload_storage(), token)


def uploads_purge(now: float | None = None) -> int:
    """Delete the uploads that have expired (previews never confirmed); return how many."""
    storage = upload_storage()
    now = time.time() if now is None else now
    try:
        tokens, _ = storage.listdir("")
    except FileNotFoundError:
        return 0
    removed = 0
    for token in tokens:
        meta = _read_meta(storage, token)
        if meta is not None:
            stale = _expired(meta, now)
        else:  # a folder left half-written: judged by its age on the storage
            try:
                made = storage.get_modified_time(token).timestamp()
            except (NotImplementedError, OSError):
                continue
            stale = now - made > settings.UPLOADS_MAX_AGE
        if stale:
            _discard_any(storage, token)
            removed += 1
    return removed


def upload_key(session: Any, token: str) -> str:
    """The key to an upload's sealed names, from its uploader's session ("" when gone)."""
    return session.get(SESSION_PREFIX + token, "") if token else ""


def seal(secret: str) -> tuple[str, str]:
    """Seal a secret for the stash: return (sealed, key), to be kept in two different places.

    Names to remove from transcripts are needed again only to confirm the preview. They are
    never stored in clear: the stash holds them XORed with a random key as long as they are
    (a one-time pad), and only the uploader's session holds that key. The stash alone (a
    shared folder, a bucket, a backup) reveals nothing; both are deleted on import, on discard,
    and when the upload expires or the session ends.
    """
    data = secret.encode("utf-8")
    key = secrets.token_bytes(len(data))
    sealed = bytes(a ^ b for a, b in zip(data, key, strict=True))
    return _b64(sealed), _b64(key)


def unseal(sealed: str, key: str) -> str | None:
    """The secret, or None when the key is missing or does not fit."""
    try:
        data, pad = base64.urlsafe_b64decode(sealed), base64.urlsafe_b64decode(key)
    except (ValueError, TypeError):
        return None
    if len(data) != len(pad):
        return None
    try:
        return bytes(a ^ b for a, b in zip(data, pad, strict=True)).decode("utf-8")
    except UnicodeDecodeError:
        return None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii")


def _expired(meta: dict[str, Any], now: float | None = None) -> bool:
    now = time.time() if now is None else now
    return now - float(meta.get("created", 0)) > settings.UPLOADS_MAX_AGE


def _discard_any(storage: Storage, token: str) -> None:
    try:
        _, files = storage.listdir(token)
    except (FileNotFoundError, NotADirectoryError):
        files = []
    for name in files:
        storage.delete(f"{token}/{name}")
    storage.delete(token)  # the folder itself, where the storage has folders


def _read_meta(storage: Storage, token: str) -> dict[str, Any] | None:
    try:
        with storage.open(f"{token}/{META}", "rb") as handle:
            meta = json.loads(handle.read().decode("utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None


def _write_meta(storage: Storage, token: str, meta: dict[str, Any]) -> None:
    name = f"{token}/{META}"
    # Storage.save never overwrites (it would pick another name): replace the file instead.
    storage.delete(name)
    storage.save(name, ContentFile(json.dumps(meta).encode("utf-8")))
