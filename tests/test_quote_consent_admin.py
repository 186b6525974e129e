"""Admins change a participant's consent to quote in the Django admin, with an audit record."""

from __future__ import annotations

from typing import Any

from django.test import Client

from coding.models import AuditEvent, Participant


def test_it_changes_consent_with_an_audit_record(
    client: Client, admin_user: Any, project: Any
) -> None:
    participant = Participant.objects.create(project=project, pseudonym="Willow")
    assert participant.quote_consent == "not_asked"
    client.force_login(admin_user)

    response = client.post(
        f"/admin/coding/participant/{participant.pk}/change/",
        {
            "project": project.pk,
            "pseudonym": "Willow",
            "role": "participant",
            "quote_consent": "yes",
            "attributes": "{}",
        },
    )

    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.quote_consent == "yes"
    event = AuditEvent.objects.get(model="participant", action="update")
    assert (event.before["quote_consent"], event.after["quote_consent"]) == ("not_asked", "yes")
    assert event.actor == admin_user and event.participant_id == participant.pk


def test_it_refuses_an_unknown_consent_in_the_admin(
    client: Client, admin_user: Any, project: Any
) -> None:
    participant = Participant.objects.create(project=project, pseudonym="Willow")
    client.force_login(admin_user)
    response = client.post(
        f"/admin/coding/participant/{participant.pk}/change/",
        {"project": project.pk, "pseudonym": "Willow", "role": "participant",
         "quote_consent": "maybe", "attributes": "{}"},
    )  # fmt: skip
    assert response.status_code == 200
    participant.refresh_from_db()
    assert participant.quote_consent == "not_asked"
    assert not AuditEvent.objects.filter(model="participant").exists()


def test_it_lists_and_filters_participants_by_consent(
    client: Client, admin_user: Any, project: Any
) -> None:
    Participant.objects.create(project=project, pseudonym="Willow", quote_consent="yes")
    Participant.objects.create(project=project, pseudonym="Rowan", quote_consent="no")
    client.force_login(admin_user)

    page = client.get("/admin/coding/participant/?quote_consent__exact=no").content.decode()

    assert "Rowan" in page and "Willow" not in page
