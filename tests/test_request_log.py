"""Request logs: one line per request with method, path, status, time and the user's id."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

LINE = re.compile(r"^(GET|POST) (\S+) (\d{3}) (\d+\.\d)ms user=(\S+)$")


@pytest.mark.django_db
def test_it_logs_one_line_per_request_with_the_users_id(
    client: Client, peer: Any, caplog: Any
) -> None:
    client.force_login(peer)
    with caplog.at_level("INFO", logger="peervalues.requests"):
        client.get("/my-work/?project=secret-name")
        client.get("/no-such-page/")
    lines = [r.getMessage() for r in caplog.records if r.name == "peervalues.requests"]
    assert len(lines) == 2
    first, second = (LINE.match(line) for line in lines)
    assert first and second, lines
    assert first.groups()[:3] == ("GET", "/my-work/", "200")
    assert first.group(5) == str(peer.pk)
    assert second.group(3) == "404"
    assert "secret-name" not in lines[0]  # query strings may carry pseudonyms


@pytest.mark.django_db
def test_it_logs_signed_out_visitors_without_an_id(client: Client, caplog: Any) -> None:
    with caplog.at_level("INFO", logger="peervalues.requests"):
        client.get("/login/")
    (line,) = [r.getMessage() for r in caplog.records if r.name == "peervalues.requests"]
    assert line.endswith("user=-")
