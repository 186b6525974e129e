"""A secret handed to a worker for one job's lifetime: encrypted in the Job row, then wiped.

A batch import's names to remove are sealed in the upload stash with a key kept only in the
uploader's session (coding.uploads), which a worker cannot read. When the admin starts the
preview or the import, the view passes that key to the job: it is stored here encrypted with a
key derived from SECRET_KEY and bound to the job's idempotency key, signed with a timestamp (it
stops opening after UPLOADS_MAX_AGE), and wiped when the job ends however it ends.

The `cryptography` package is not a dependency, so the cipher is built from the standard
library: a keystream of HMAC-SHA256 blocks over a random nonce and a counter (HMAC as a
pseudo-random function in counter mode), then django.core.signing's HMAC over the whole
(encrypt-then-MAC). The database alone (a dump, a backup) reveals neither the key nor the names.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from django.conf import settings
from django.core import signing

SALT = "peervalues.jobs.sealing"
NONCE_BYTES = 16


def _cipher_key(binding: str) -> bytes:
    # Its own key, not SECRET_KEY itself: the signing step uses SECRET_KEY with another salt.
    return hashlib.sha256(f"{SALT}:cipher:{binding}:{settings.SECRET_KEY}".encode()).digest()


def _keystream(key: bytes, nonce: bytes, length: int) -> bytes:
    blocks = (
        hmac.new(key, nonce + counter.to_bytes(8, "big"), hashlib.sha256).digest()
        for counter in range((length + 31) // 32)
    )
    return b"".join(blocks)[:length]


def job_secret_seal(secret: str, *, binding: str) -> str:
    """Encrypt and sign `secret` for the job whose idempotency key is `binding`."""
    data = secret.encode("utf-8")
    nonce = secrets.token_bytes(NONCE_BYTES)
    stream = _keystream(_cipher_key(binding), nonce, len(data))
    sealed = nonce + bytes(a ^ b for a, b in zip(data, stream, strict=True))
    payload = base64.urlsafe_b64encode(sealed).decode("ascii")
    return signing.TimestampSigner(salt=f"{SALT}:{binding}").sign(payload)


def job_secret_open(token: str, *, binding: str) -> str | None:
    """The secret, or None when it was wiped, has expired, or was made for another job."""
    if not token:
        return None
    signer = signing.TimestampSigner(salt=f"{SALT}:{binding}")
    try:
        payload = signer.unsign(token, max_age=settings.UPLOADS_MAX_AGE)
        sealed = base64.urlsafe_b64decode(payload)
    except (signing.BadSignature, ValueError):
        return None
    nonce, body = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
    stream = _keystream(_cipher_key(binding), nonce, len(body))
    try:
        return bytes(a ^ b for a, b in zip(body, stream, strict=True)).decode("utf-8")
    except UnicodeDecodeError:
        return None
