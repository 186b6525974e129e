"""Oversized requests are refused from their declared length, before anything reads them."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from coding.middleware import REQUEST_TOO_LARGE

GIB = 1024**3
BOUNDARY = "pv-boundary"


class Body:
    """A request body that says how much of it was read, and refuses to be read far."""

    def __init__(self) -> None:
        self.read_bytes = 0
        self.head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()

    def read(self, size: int = -1) -> bytes:
        if self.read_bytes > 1024 * 1024:
            raise AssertionError("the body was read")
        size = 65536 if size is None or size < 0 else min(size, 65536)
        chunk = (self.head + b"x" * size)[:size]
        self.head = b""
        self.read_bytes += len(chunk)
        return chunk

    def readline(self, size: int = -1) -> bytes:
        return self.read(size)


def huge_post(client: Client, path: str) -> tuple[Any, Body]:
    body = Body()
    response = client.generic(
        "POST",
        path,
        CONTENT_TYPE=f"multipart/form-data; boundary={BOUNDARY}",
        CONTENT_LENGTH=str(GIB),
        **{"wsgi.input": body},
    )
    return response, body


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/login/", "/manage/imports/new/", "/manage/refi/", "/api/x/"])
def test_it_refuses_a_gibibyte_post_from_anyone_unread(client: Client, path: str) -> None:
    response, body = huge_post(client, path)
    assert response.status_code == 413
    assert body.read_bytes == 0
    assert response["Connection"] == "close"


def test_it_refuses_large_uploads_from_signed_in_non_admins(client: Client, peer: Any) -> None:
    client.force_login(peer)
    response, body = huge_post(client, "/manage/imports/new/")
    assert response.status_code == 413
    assert body.read_bytes == 0
    assert response.content.decode() == REQUEST_TOO_LARGE.format(limit="2 MB")


def test_it_lets_admins_upload_up_to_the_upload_limit(
    client: Client, admin_user: Any, settings: Any
) -> None:
    settings.MAX_REQUEST_SIZE = 1024
    client.force_login(admin_user)
    upload = b"x" * 4096
    response = client.post("/manage/imports/new/", {"file": ("big.txt", upload)})
    assert response.status_code != 413
    # Everywhere else the same body is too large, admin or not.
    response = client.post("/login/", {"username": "x" * 4096, "password": "y"})
    assert response.status_code == 413
    response, body = huge_post(client, "/manage/imports/new/")
    assert response.status_code == 413  # beyond MAX_UPLOAD_SIZE
    assert body.read_bytes == 0
