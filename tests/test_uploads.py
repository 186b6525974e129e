"""The upload stash: private, its uploader's only, expiring on its own, names never in clear."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from coding import uploads
from coding.models import Interview

from .shared_storage import SharedMemoryStorage
from .test_importing_pipeline import make_zip, two_rows


@pytest.fixture(autouse=True)
def _uploads_dir(settings: Any, tmp_path: Path) -> Path:
    settings.UPLOADS_DIR = str(tmp_path / "uploads")
    return tmp_path / "uploads"


def stash(user_id: int = 1, **data: Any) -> uploads.Stashed:
    return uploads.stash_upload(
        SimpleUploadedFile("batch.zip", b"PK..."), user_id=user_id, kind=uploads.BATCH, **data
    )


def backdate(stashed: uploads.Stashed, seconds: float) -> None:
    stashed.meta["created"] -= seconds
    stashed.save()


def test_it_removes_expired_uploads_with_a_command(settings: Any, _uploads_dir: Path) -> None:
    old, fresh = stash(), stash()
    backdate(old, settings.UPLOADS_MAX_AGE + 60)
    out = io.StringIO()
    call_command("clean_uploads", stdout=out)
    assert "1 expired upload removed." in out.getvalue()
    assert sorted(p.name for p in _uploads_dir.iterdir()) == [fresh.token]
    assert uploads.stashed_upload(fresh.token, user_id=1, kind=uploads.BATCH) is not None


def test_it_says_when_there_is_nothing_to_remove() -> None:
    out = io.StringIO()
    call_command("clean_uploads", stdout=out)
    assert "No expired uploads." in out.getvalue()


def test_it_treats_an_expired_upload_as_gone_before_any_clean_up(settings: Any) -> None:
    old = stash()
    backdate(old, settings.UPLOADS_MAX_AGE + 1)
    assert uploads.stashed_upload(old.token, user_id=1, kind=uploads.BATCH) is None


def test_it_keeps_an_upload_to_its_uploader_and_its_kind() -> None:
    mine = stash(user_id=1)
    assert uploads.stashed_upload(mine.token, user_id=2, kind=uploads.BATCH) is None
    assert uploads.stashed_upload(mine.token, user_id=1, kind=uploads.REFI) is None
    assert uploads.stashed_upload("../../etc", user_id=1, kind=uploads.BATCH) is None


def test_it_keeps_names_to_remove_sealed_and_their_key_apart() -> None:
    sealed, key = uploads.seal("Sarah Jones=Rose\nDr Patel")
    assert "Sarah" not in sealed and "Patel" not in sealed
    assert uploads.unseal(sealed, key) == "Sarah Jones=Rose\nDr Patel"
    assert uploads.unseal(sealed, "") is None  # without the key (another browser): nothing


def test_it_never_writes_the_names_to_remove_in_clear(
    client: Client, admin_user: Any, project: Any, tmp_path: Path, _uploads_dir: Path
) -> None:
    client.force_login(admin_user)
    batch = SimpleUploadedFile("b.zip", make_zip(tmp_path / "b.zip", two_rows()).read_bytes())
    response = client.post(reverse("import_new"), {"batch": batch, "names": "Hello=Greeting"})
    token = response["Location"].rstrip("/").rsplit("/", 1)[1]
    stored = b"".join(p.read_bytes() for p in _uploads_dir.rglob("*.json"))
    meta = json.loads(stored)
    assert b"Hello" not in stored and b"Greeting" not in stored
    assert "names" not in meta and "Greeting" not in json.dumps(meta["report"])
    client.post(reverse("import_confirm", args=[token]))
    assert Interview.objects.get(title="a").text.startswith("Interviewer: Greeting")


def test_it_asks_for_a_new_upload_when_the_names_key_is_gone(
    client: Client, admin_user: Any, project: Any, tmp_path: Path
) -> None:
    client.force_login(admin_user)
    batch = SimpleUploadedFile("b.zip", make_zip(tmp_path / "b.zip", two_rows()).read_bytes())
    response = client.post(reverse("import_new"), {"batch": batch, "names": "Hello=Greeting"})
    token = response["Location"].rstrip("/").rsplit("/", 1)[1]
    session = client.session
    keys = list(session.keys())
    for key in keys:
        if key.startswith(uploads.SESSION_PREFIX):
            del session[key]
    session.save()
    assert client.post(reverse("import_confirm", args=[token])).status_code == 404
    assert not Interview.objects.exists()  # never imported without its names removed


def test_it_confirms_on_one_server_a_preview_made_on_another(
    client: Client, admin_user: Any, project: Any, tmp_path: Path, settings: Any
) -> None:
    settings.UPLOADS_STORAGE = "tests.shared_storage.SharedMemoryStorage"
    SharedMemoryStorage.reset()
    first, second = Client(), Client()
    first.force_login(admin_user)
    batch = SimpleUploadedFile("b.zip", make_zip(tmp_path / "b.zip", two_rows()).read_bytes())
    response = first.post(reverse("import_new"), {"batch": batch, "names": "Hello=Greeting"})
    token = response["Location"].rstrip("/").rsplit("/", 1)[1]
    # The other server has its own temporary folder and nothing on its disk, only the session
    # (in the shared database) and the shared storage.
    settings.UPLOADS_DIR = str(tmp_path / "elsewhere")
    second.cookies = first.cookies
    assert second.get(reverse("import_preview", args=[token])).status_code == 200
    second.post(reverse("import_confirm", args=[token]))
    assert Interview.objects.get(title="a").text.startswith("Interviewer: Greeting")
    assert not SharedMemoryStorage().listdir("")[0]  # the upload is gone from the storage


def test_it_keeps_uploads_in_the_storage_url_bucket_when_one_is_set(settings: Any) -> None:
    # What STORAGE_URL makes (see tests/test_settings.py), with a stand-in for S3Storage.
    without = {name: config for name, config in settings.STORAGES.items() if name != "uploads"}
    settings.STORAGES = {
        **without,
        "uploads": {"BACKEND": "tests.shared_storage.SharedMemoryStorage"},
    }
    assert isinstance(uploads.upload_storage(), SharedMemoryStorage)
    settings.STORAGES = without
    assert type(uploads.upload_storage()) is FileSystemStorage
