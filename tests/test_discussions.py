"""Discussion threads on excerpts and passages: comments, replies, mentions, resolve, unread."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from coding.models import AuditEvent, Comment, Discussion
from coding.protection import participant_withdraw
from coding.review import discussions
from coding.review.discussions import (
    COMMENT_EMPTY,
    MENTION_UNKNOWN,
    PASSAGE_INVALID,
    comment_add,
    discussion_resolve,
    discussion_start,
)
from coding.services import CodingError

from .conftest import make_excerpt, make_interview

pytestmark = pytest.mark.django_db


@pytest.fixture
def excerpt(interview: Any, peer: Any) -> Any:
    return make_excerpt(interview, peer, 38, 55, "safety")


def start(interview: Any, user: Any, body: str = "Is this safety?", **kwargs: Any) -> Discussion:
    if "excerpt" not in kwargs and "start" not in kwargs:
        kwargs.update(start=0, end=12)
    return discussion_start(interview=interview, user=user, body=body, **kwargs)


def test_it_starts_a_thread_on_an_excerpt(client: Client, peer: Any, excerpt: Any) -> None:
    client.force_login(peer)
    url = reverse("discussion_new", args=[excerpt.interview_id])
    assert excerpt.text in client.get(url).content.decode()
    response = client.post(url, {"excerpt": excerpt.pk, "body": "Safety, or connection?"})
    thread = Discussion.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("discussion_detail", args=[thread.pk])
    assert (thread.excerpt, thread.start, thread.end) == (excerpt, excerpt.start, excerpt.end)
    assert thread.comments.get().body == "Safety, or connection?"


def test_it_starts_a_thread_on_a_passage(client: Client, peer: Any, interview: Any) -> None:
    client.force_login(peer)
    url = reverse("discussion_new", args=[interview.pk])
    client.post(url, {"start": 25, "end": 36, "body": "Who is speaking?"})
    thread = Discussion.objects.get()
    assert thread.excerpt is None
    assert thread.passage == interview.text[25:36]


@pytest.mark.parametrize("span", [(5, 5), (10, 4), (0, 10_000)])
def test_it_refuses_a_passage_outside_the_text(
    client: Client, peer: Any, interview: Any, span: tuple[int, int]
) -> None:
    client.force_login(peer)
    url = reverse("discussion_new", args=[interview.pk])
    response = client.post(url, {"start": span[0], "end": span[1], "body": "Hm"})
    assert response.status_code == 400
    assert PASSAGE_INVALID in response.content.decode()
    assert not Discussion.objects.exists()


def test_it_refuses_an_empty_comment(interview: Any, peer: Any) -> None:
    with pytest.raises(CodingError, match=COMMENT_EMPTY):
        start(interview, peer, body="   ")
    assert not Discussion.objects.exists()


def test_it_replies_and_mentions_a_member(
    client: Client, interview: Any, peer: Any, peer2: Any
) -> None:
    thread = start(interview, peer)
    first = thread.comments.get()
    client.force_login(peer2)
    url = reverse("discussion_comment", args=[thread.pk])
    response = client.post(url, {"body": "I agree, @pat-peer.", "reply_to": first.pk})
    assert response.status_code == 302
    reply = Comment.objects.latest("id")
    assert reply.reply_to == first
    assert list(reply.mentions.all()) == [peer]
    page = client.get(reverse("discussion_detail", args=[thread.pk])).content.decode()
    assert "replying to pat-peer" in page and "@pat-peer" in page


def test_it_refuses_a_mention_of_someone_outside_the_project(
    client: Client, interview: Any, peer: Any, outsider: Any
) -> None:
    thread = start(interview, peer)
    client.force_login(peer)
    url = reverse("discussion_comment", args=[thread.pk])
    response = client.post(url, {"body": "Ask @olly-outsider"})
    assert response.status_code == 400
    assert MENTION_UNKNOWN.format(name="olly-outsider") in response.content.decode()
    assert thread.comments.count() == 1


def test_it_resolves_and_reopens_a_thread(client: Client, interview: Any, peer: Any) -> None:
    thread = start(interview, peer)
    client.force_login(peer)
    client.post(reverse("discussion_resolve", args=[thread.pk]), {"resolved": "1"})
    thread.refresh_from_db()
    assert thread.is_resolved and thread.resolved_by == peer
    open_page = client.get(reverse("discussion_list")).content.decode()
    assert reverse("discussion_detail", args=[thread.pk]) not in open_page
    done = client.get(reverse("discussion_list") + "?show=resolved").content.decode()
    assert reverse("discussion_detail", args=[thread.pk]) in done
    client.post(reverse("discussion_resolve", args=[thread.pk]), {"resolved": "0"})
    thread.refresh_from_db()
    assert not thread.is_resolved


def test_it_counts_unread_comments_per_reader(
    client: Client, interview: Any, peer: Any, peer2: Any
) -> None:
    thread = start(interview, peer)
    comment_add(discussion=thread, author=peer2, body="One")
    comment_add(discussion=thread, author=peer2, body="Two")
    assert discussions.discussion_list(peer).get().unread == 2
    # The writer has read their own comments.
    assert discussions.discussion_list(peer2).get().unread == 0
    client.force_login(peer)
    client.get(reverse("discussion_detail", args=[thread.pk]))
    assert discussions.discussion_list(peer).get().unread == 0
    comment_add(discussion=thread, author=peer2, body="Three")
    assert discussions.discussion_list(peer).get().unread == 1


def test_it_lists_the_newest_activity_first(interview: Any, peer: Any, peer2: Any) -> None:
    older = start(interview, peer, body="First")
    newer = start(interview, peer, body="Second")
    assert list(discussions.discussion_list(peer)) == [newer, older]
    comment_add(discussion=older, author=peer2, body="Back to this one")
    assert list(discussions.discussion_list(peer)) == [older, newer]


def test_it_lets_evaluators_read_but_not_write(
    client: Client, interview: Any, peer: Any, evaluator: Any
) -> None:
    thread = start(interview, peer)
    client.force_login(evaluator)
    page = client.get(reverse("discussion_detail", args=[thread.pk]))
    assert page.status_code == 200 and "Is this safety?" in page.content.decode()
    assert thread.pk in [t.pk for t in discussions.discussion_list(evaluator)]
    url = reverse("discussion_comment", args=[thread.pk])
    assert client.post(url, {"body": "Me too"}).status_code == 403
    resolve = reverse("discussion_resolve", args=[thread.pk])
    assert client.post(resolve, {"resolved": "1"}).status_code == 403
    assert thread.comments.count() == 1


def test_it_hides_threads_from_outsiders(
    client: Client, interview: Any, peer: Any, outsider: Any
) -> None:
    thread = start(interview, peer)
    client.force_login(outsider)
    assert client.get(reverse("discussion_detail", args=[thread.pk])).status_code == 404
    url = reverse("discussion_comment", args=[thread.pk])
    assert client.post(url, {"body": "Hello"}).status_code == 404
    assert "Is this safety" not in client.get(reverse("discussion_list")).content.decode()


def test_it_records_threads_and_comments_in_the_audit_trail(interview: Any, peer: Any) -> None:
    thread = start(interview, peer)
    comment_add(discussion=thread, author=peer, body="More")
    discussion_resolve(discussion=thread, user=peer, resolved=True)
    events = AuditEvent.objects.filter(participant_id=interview.participant_id)
    bodies = [e.after["body"] for e in events.filter(model="comment").order_by("id")]
    assert bodies == ["Is this safety?", "More"]
    assert events.filter(model="discussion", action="update").exists()


def test_it_removes_threads_with_a_withdrawn_participant(
    interview: Any, peer: Any, admin_user: Any, project: Any
) -> None:
    kept = start(make_interview(project, "Interviewer: Hello there.", pseudonym="P900"), peer)
    start(interview, peer, body="About P001's words")
    participant_withdraw(participant=interview.participant, actor=admin_user)
    assert list(Discussion.objects.all()) == [kept]
    assert not Comment.objects.filter(body__contains="P001").exists()
    scrubbed = AuditEvent.objects.filter(model="comment", participant_id=interview.participant_id)
    assert scrubbed.exists() and all(e.after is None for e in scrubbed)


def test_it_escapes_comment_and_passage_text(client: Client, project: Any, peer: Any) -> None:
    interview = make_interview(project, "Participant: <b>bold</b> & <script>x()</script>")
    text_end = len(interview.text)
    thread = start(interview, peer, body="<img src=x onerror=alert(1)>", start=13, end=text_end)
    client.force_login(peer)
    for url in (reverse("discussion_detail", args=[thread.pk]), reverse("discussion_list")):
        page = client.get(url).content.decode()
        assert "<script>x()" not in page and "<img src=x" not in page
    assert (
        "&lt;img src=x"
        in client.get(reverse("discussion_detail", args=[thread.pk])).content.decode()
    )


def test_it_shows_an_interviews_threads_on_its_page(
    client: Client, interview: Any, peer: Any
) -> None:
    thread = start(interview, peer)
    client.force_login(peer)
    page = client.get(reverse("interview_detail", args=[interview.pk])).content.decode()
    assert reverse("discussion_detail", args=[thread.pk]) in page


def test_it_lists_threads_in_a_constant_number_of_queries(
    client: Client, project: Any, peer: Any, peer2: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(12):
        interview = make_interview(project, f"Participant: story number {n} here.")
        thread = start(interview, peer)
        comment_add(discussion=thread, author=peer2, body="Reply")
    client.force_login(peer)
    # One of them asks which of the reader's projects code blind, one in which the reader is
    # an evaluator (disclosure control).
    with django_assert_max_num_queries(8):
        response = client.get(reverse("discussion_list"))
    assert response.content.decode().count("1 unread") == 12
