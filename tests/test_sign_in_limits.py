"""Sign-in under attack: a rate limit per client address before any password is hashed."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.test import Client

from coding.signin import SIGN_IN_RATE_LIMITED, attempt_allowed, client_ip

from .conftest import PASSWORD

PROXY = "10.0.0.2"


class CountingHasher(MD5PasswordHasher):
    """The test hasher, counting the password checks and hashes it is asked for."""

    calls = 0

    def encode(self, password: str, salt: str) -> str:
        CountingHasher.calls += 1
        return super().encode(password, salt)

    def verify(self, password: str, encoded: str) -> bool:
        CountingHasher.calls += 1
        return super().verify(password, encoded)


@pytest.fixture(autouse=True)
def _long_window(settings: Any) -> None:
    # Counting windows are fixed slots of time: an hour keeps a test inside one slot.
    settings.SIGN_IN_RATE_WINDOW = 3600


@pytest.fixture
def counting(settings: Any) -> type[CountingHasher]:
    settings.PASSWORD_HASHERS = ["tests.test_sign_in_limits.CountingHasher"]
    CountingHasher.calls = 0
    return CountingHasher


def sign_in(client: Client, username: str, password: str, **meta: str) -> Any:
    return client.post("/login/", {"username": username, "password": password}, **meta)


def test_it_answers_a_flood_with_429_before_hashing(
    client: Client, db: Any, counting: Any, settings: Any
) -> None:
    settings.SIGN_IN_RATE_LIMIT = 5
    statuses = []
    for n in range(30):
        before = counting.calls
        statuses.append(sign_in(client, f"random-{n}", "guess-guess-guess").status_code)
        if statuses[-1] == 429:
            assert counting.calls == before, "a refused attempt still hashed a password"
    assert statuses[:5] == [200] * 5
    assert set(statuses[5:]) == {429}, statuses
    response = sign_in(client, "random-x", "guess")
    assert SIGN_IN_RATE_LIMITED in response.content.decode()
    assert int(response["Retry-After"]) > 0


def test_it_refuses_without_a_database_query_even_with_a_session_cookie(
    client: Client, db: Any, settings: Any, django_assert_num_queries: Any
) -> None:
    settings.SIGN_IN_RATE_LIMIT = 1
    sign_in(client, "random", "guess")
    client.cookies["sessionid"] = "s" * 32  # a flood may send cookies: no session is loaded
    with django_assert_num_queries(0):
        assert sign_in(client, "random", "guess").status_code == 429


def test_it_keeps_other_addresses_signing_in_during_a_flood(
    client: Client, peer: Any, settings: Any
) -> None:
    settings.SIGN_IN_RATE_LIMIT = 3
    for n in range(10):
        sign_in(client, f"random-{n}", "guess", REMOTE_ADDR="192.0.2.66")
    assert sign_in(client, "pat-peer", PASSWORD, REMOTE_ADDR="192.0.2.7").status_code == 302


def test_it_ignores_forwarded_addresses_without_trusted_proxies(
    client: Client, db: Any, settings: Any
) -> None:
    settings.SIGN_IN_RATE_LIMIT = 3
    statuses = [
        sign_in(client, "x", "y", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
        for n in range(6)
    ]
    assert statuses.count(429) == 3  # a forged header does not make a new client


def test_it_locks_out_only_the_real_address_behind_a_proxy(
    client: Client, admin_user: Any, settings: Any
) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    attacker = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "forged, 203.0.113.5"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "alice-admin", "wrong-password", **attacker)
    assert sign_in(client, "alice-admin", PASSWORD, **attacker).status_code == 429
    owner = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    assert sign_in(Client(), "alice-admin", PASSWORD, **owner).status_code == 302


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "1.1.1.1", "127.0.0.9"),
        (1, "1.1.1.1, 2.2.2.2", "2.2.2.2"),
        (2, "1.1.1.1, 2.2.2.2, 3.3.3.3", "2.2.2.2"),
        (2, "2.2.2.2", "2.2.2.2"),
        (1, "", "127.0.0.9"),
        (1, "not an address", "127.0.0.9"),
    ],
)
def test_it_takes_the_address_the_trusted_proxies_saw(
    rf: Any, settings: Any, count: int, forwarded: str, expected: str
) -> None:
    settings.TRUSTED_PROXY_COUNT = count
    request = rf.get("/", REMOTE_ADDR="127.0.0.9", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_it_lets_no_burst_through_at_the_edge_of_a_window(db: Any, settings: Any) -> None:
    settings.SIGN_IN_RATE_LIMIT = 10
    settings.SIGN_IN_RATE_WINDOW = 60
    edge = 60 * 1_000_000
    before = [attempt_allowed("192.0.2.1", edge - 1)[0] for _ in range(10)]
    after = [attempt_allowed("192.0.2.1", edge + 1)[0] for _ in range(10)]
    assert all(before)
    assert not any(after)  # the ten just before still count, a second later
    assert attempt_allowed("192.0.2.1", edge + 120 + 1)[0]  # two windows on, none count
