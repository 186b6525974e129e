"""Error pages inside the site's layout, and a sign-in that says the session has ended."""

from __future__ import annotations

from typing import Any

from django.test import Client, RequestFactory
from django.utils.html import escape

from coding.views import errors
from coding.views.api import NOT_SIGNED_IN, SESSION_ENDED
from coding.views.auth import SESSION_ENDED_PAGE
from coding.views.errors import PAGE_FORBIDDEN, PAGE_NOT_FOUND, PAGE_SERVER_ERROR, server_error

LAYOUT = 'aria-label="Main"'  # the site's menu bar


def test_it_shows_a_forbidden_admin_page_inside_the_layout(client: Client, peer: Any) -> None:
    client.force_login(peer)
    response = client.get("/manage/imports/")
    assert response.status_code == 403
    html = response.content.decode()
    assert LAYOUT in html
    assert escape(PAGE_FORBIDDEN) in html
    assert "Only admins can" in html  # the reason the view gave
    assert 'href="/"' in html
    assert "Signed in as <strong>pat-peer</strong>" in html


def test_it_shows_a_missing_page_inside_the_layout(client: Client, peer: Any) -> None:
    client.force_login(peer)
    response = client.get("/interviews/987654/")
    assert response.status_code == 404
    html = response.content.decode()
    assert LAYOUT in html
    assert escape(PAGE_NOT_FOUND) in html
    assert 'href="/"' in html


def test_it_shows_a_missing_page_to_visitors_who_are_not_signed_in(client: Client, db: Any) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert escape(PAGE_NOT_FOUND) in response.content.decode()
    assert 'href="/login/"' in response.content.decode()


def test_it_shows_a_server_error_inside_the_layout(db: Any) -> None:
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert LAYOUT in html
    assert escape(PAGE_SERVER_ERROR) in html
    assert 'href="/"' in html


def test_it_says_when_a_session_has_ended_and_returns_to_the_page(
    client: Client, interview: Any
) -> None:
    client.cookies["sessionid"] = "a-session-that-has-ended"
    response = client.get(interview.get_absolute_url(), follow=True)
    html = response.content.decode()
    assert escape(SESSION_ENDED_PAGE) in html
    assert f'name="next" value="{interview.get_absolute_url()}"' in html


def test_it_does_not_speak_of_an_ended_session_on_a_first_visit(client: Client, db: Any) -> None:
    html = client.get("/login/?next=/my-work/").content.decode()
    assert escape(SESSION_ENDED_PAGE) not in html


def test_it_answers_an_ended_session_in_the_api_with_a_link_back(
    client: Client, interview: Any
) -> None:
    client.cookies["sessionid"] = "a-session-that-has-ended"
    response = client.post(
        f"/api/interviews/{interview.pk}/excerpts/",
        "{}",
        content_type="application/json",
        HTTP_REFERER=f"http://testserver{interview.get_absolute_url()}?sort=title",
    )
    assert response.status_code == 401
    assert response.json() == {
        "error": SESSION_ENDED,
        "login_url": f"/login/?next=/interviews/{interview.pk}/%3Fsort%3Dtitle",
    }


def test_it_never_links_back_to_another_site(client: Client, interview: Any) -> None:
    response = client.get(
        f"/api/interviews/{interview.pk}/excerpts/", HTTP_REFERER="https://evil.example/x"
    )
    assert response.json() == {"error": NOT_SIGNED_IN, "login_url": "/login/"}


def test_it_gives_the_coding_page_its_sign_in_link(
    client: Client, interview: Any, peer: Any
) -> None:
    client.force_login(peer)
    response = client.get(interview.get_absolute_url())
    assert response.context["page_data"]["loginUrl"] == (
        f"/login/?next=/interviews/{interview.pk}/"
    )


def test_it_still_answers_503_in_words_when_the_error_page_cannot_render(
    monkeypatch: Any,
) -> None:
    """A page failing while the database is down must say 503, even if its template breaks.

    Under gunicorn without collected static files, `{% static %}` raised inside the error page
    itself, and every 503 became a bare 500.
    """

    def broken(*args: Any, **kwargs: Any) -> str:
        raise ValueError("Missing staticfiles manifest entry for 'favicon.svg'")

    monkeypatch.setattr(errors, "render_to_string", broken)
    response = errors.server_error_page(503)
    assert response.status_code == 503
    assert escape(PAGE_SERVER_ERROR) in response.content.decode()
