from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from coding.audit import audit_record, audit_scrub
from coding.models import AUDIT_IS_APPEND_ONLY, AuditEvent, AuditImmutableError, CodebookValue

from .conftest import make_excerpt


def test_it_refuses_to_change_or_delete_an_event(db: Any, admin_user: Any) -> None:
    event = audit_record(actor=admin_user, action="create", model="thing", object_id=1)
    event.object_repr = "tampered"
    with pytest.raises(AuditImmutableError, match=AUDIT_IS_APPEND_ONLY):
        event.save()
    with pytest.raises(AuditImmutableError):
        event.delete()
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.filter(pk=event.pk).update(object_repr="tampered")
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).object_repr == ""


def test_it_scrubs_snapshots_but_keeps_who_and_when(db: Any, admin_user: Any) -> None:
    event = audit_record(
        actor=admin_user, action="update", model="excerpt", before={"text": "secret"}, after={}
    )
    assert audit_scrub(AuditEvent.objects.filter(pk=event.pk)) == 1
    event.refresh_from_db()
    assert (event.before, event.after, event.actor_name) == (None, None, "alice-admin")
    assert event.object_repr == "[withdrawn participant]"


def test_it_keeps_the_actor_name_after_the_account_goes(db: Any, admin_user: Any) -> None:
    other = admin_user.__class__.objects.create_user("temp-user")
    audit_record(actor=other, action="create", model="thing")
    other.delete()
    event = AuditEvent.objects.get(model="thing")
    assert (event.actor, event.actor_name) == (None, "temp-user")


def test_it_records_admin_changes_with_before_and_after(
    client: Client, admin_user: Any, project: Any
) -> None:
    client.force_login(admin_user)
    value = CodebookValue.objects.get(slug="safety")
    response = client.post(
        f"/admin/coding/codebookvalue/{value.pk}/change/",
        {
            "name": "Safety",
            "slug": "safety",
            "definition": "Feeling and being safe.",
            "colour": "#b5e3a1",
            "shortcut": "2",
            "order": 2,
            "is_active": "on",
            "status": "active",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(model="codebookvalue", action="update")
    assert event.actor_name == "alice-admin"
    assert "being safe and feeling safe" in event.before["definition"]
    assert event.after["definition"] == "Feeling and being safe."


def test_it_records_membership_changes_made_in_the_admin(
    client: Client, admin_user: Any, peer: Any, project: Any
) -> None:
    client.force_login(admin_user)
    membership = peer.memberships.get()
    response = client.post(f"/admin/coding/membership/{membership.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    event = AuditEvent.objects.get(model="membership", action="delete")
    assert event.before["role"] == "peer_researcher"
    assert event.project_id == project.pk


def test_it_lets_admins_browse_and_filter_but_not_change_the_trail(
    client: Client, admin_user: Any, peer: Any, interview: Any
) -> None:
    make_excerpt(interview, peer, 0, 5)
    audit_record(actor=peer, action="create", model="excerpt", object_id=99, object_repr="x")
    audit_record(actor=admin_user, action="export", model="comparison")
    client.force_login(admin_user)
    response = client.get("/admin/coding/auditevent/?action__exact=export")
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    event = AuditEvent.objects.get(action="create")
    page = client.get(f"/admin/coding/auditevent/{event.pk}/change/")
    assert page.status_code == 200  # viewable
    assert b'name="_save"' not in page.content
    assert (
        client.post(f"/admin/coding/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    assert client.get("/admin/coding/auditevent/add/").status_code == 403


def test_it_hides_the_trail_from_non_admins(client: Client, peer: Any) -> None:
    client.force_login(peer)
    response = client.get("/admin/coding/auditevent/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_it_shows_derived_tallies_read_only_in_the_admin(
    client: Client, admin_user: Any, peer: Any, interview: Any
) -> None:
    make_excerpt(interview, peer, 0, 5)
    client.force_login(admin_user)
    assert client.get("/admin/coding/valuetally/").status_code == 200
    assert client.get("/admin/coding/tallyqueue/").status_code == 200
    assert client.get("/admin/coding/valuetally/add/").status_code == 403


def test_it_filters_the_trail_by_project(
    client: Client, admin_user: Any, project: Any, other_project: Any
) -> None:
    audit_record(actor=admin_user, action="export", model="comparison", project_id=project.pk)
    audit_record(actor=admin_user, action="export", model="comparison", project_id=other_project.pk)
    client.force_login(admin_user)
    response = client.get(f"/admin/coding/auditevent/?project={other_project.pk}")
    assert response.context["cl"].result_count == 1
    assert other_project.name in response.content.decode()
