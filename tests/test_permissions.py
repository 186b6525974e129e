"""The permission matrix (README "Roles and permissions"), walked over every URL pattern.

Each named URL of the project must appear in MATRIX, so a new view cannot be forgotten. For
each role the test asserts the status of a GET; for anonymous visitors it also tries POST, so
that authentication is checked before anything else.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from coding import services
from coding.findings.candidates import quote_propose
from coding.findings.pack_services import pack_feedback_record, pack_publish
from coding.models import CodebookValue, ImportBatch, Job
from coding.proposals import proposal_create, proposal_decide
from coding.review.calibration import (
    calibration_attempt_start,
    calibration_passage_add,
    calibration_set_create,
)
from coding.review.discussions import discussion_start

from .conftest import make_excerpt, make_interview

ROLES = ("outsider", "peer", "evaluator", "admin")
LOGIN = "login"  # anonymous: redirected to the login page (HTML) or 401 (JSON API)
STAFF = {"outsider": 403, "peer": 403, "evaluator": 403, "admin": 200}
MEMBERS = {"outsider": 404, "peer": 200, "evaluator": 200, "admin": 200}
SIGNED_IN = {"outsider": 200, "peer": 200, "evaluator": 200, "admin": 200}
CODERS = {"outsider": 404, "peer": 200, "evaluator": 403, "admin": 200}


def staff(admin_status: int) -> dict[str, int]:
    return {**STAFF, "admin": admin_status}


# url name -> (kwargs key, query string, expected GET status per signed-in role)
MATRIX: dict[str, tuple[str, str, dict[str, int]]] = {
    "home": ("", "", SIGNED_IN),
    # Evaluators land on the team's progress: My work sends them there.
    "my_work": ("", "", {**SIGNED_IN, "evaluator": 302}),
    "team_progress": ("", "", SIGNED_IN),
    "project_detail": ("project", "", MEMBERS),
    # The world's project has one coded interview: too few to open for an evaluator
    # (disclosure control; test_disclosure.py opens the interviews of larger projects).
    "interview_detail": ("interview", "", {**MEMBERS, "evaluator": 403}),
    "api_interview_excerpts": ("interview", "", {**MEMBERS, "evaluator": 403}),
    "api_excerpt_detail": ("excerpt", "", {**MEMBERS, "evaluator": 403}),
    "api_interview_progress": ("interview", "", MEMBERS),
    # POST only: a GET is refused for its method once signed in (the POST is tested apart).
    "api_interview_values": ("interview", "", {r: 405 for r in ROLES}),
    # Comparisons span the projects a reader may see; outsiders see an empty comparison.
    "compare": ("", "", SIGNED_IN),
    # The walk's project is too small to show an evaluator: its quotes stay closed to them.
    "compare_cell": ("", "cell", {**MEMBERS, "evaluator": 403}),
    "compare_chart": ("chart", "", SIGNED_IN),
    "compare_cooccurrence": ("", "", SIGNED_IN),
    "compare_agreement": ("", "", SIGNED_IN),
    "compare_export": ("export", "", SIGNED_IN),
    # The findings pack: members read (evaluators under disclosure control) and download;
    # publishing and feedback are POST only, refused to evaluators (tested apart).
    "findings_pack": ("pack", "", MEMBERS),
    "findings_download": ("pack", "", MEMBERS),
    "findings_publish": ("pack", "", {r: 405 for r in ROLES}),
    "findings_version": ("pack_version", "", MEMBERS),
    "findings_version_download": ("pack_version", "", MEMBERS),
    "findings_feedback": ("pack_version", "", {r: 405 for r in ROLES}),
    "findings_feedback_answer": ("pack_feedback", "", {r: 405 for r in ROLES}),
    # The codebook: members read; peer researchers propose, discuss and recode.
    "codebook": ("project", "", MEMBERS),
    "value_detail": ("value", "", MEMBERS),
    # Only its proposer sees a provisional value; evaluators may not take part.
    "provisional_value": (
        "provisional",
        "",
        {"outsider": 404, "peer": 200, "evaluator": 403, "admin": 404},
    ),
    "codebook_versions": ("project", "", MEMBERS),
    "codebook_version_compare": ("project", "", MEMBERS),
    "codebook_version": ("version", "", MEMBERS),
    "proposal_list": ("project", "", MEMBERS),
    "proposal_new": ("project", "", {"outsider": 404, "peer": 200, "evaluator": 403, "admin": 200}),
    # The example picker's search: those who may propose.
    "api_example_search": ("project", "", CODERS),
    "proposal_detail": ("proposal", "", MEMBERS),
    "proposal_comment": ("proposal", "", {r: 405 for r in ROLES}),  # POST only
    "proposal_vote": ("proposal", "", {r: 405 for r in ROLES}),
    "proposal_decide": ("proposal", "", {r: 405 for r in ROLES}),
    "proposal_define": ("proposal", "", {r: 405 for r in ROLES}),
    "proposal_withdraw": ("proposal", "", {r: 405 for r in ROLES}),
    "recode_queue": ("proposal", "", MEMBERS),
    "import_list": ("", "", STAFF),
    "import_new": ("", "", STAFF),
    "import_manifest_template": ("", "", STAFF),
    "import_preview": ("token", "", staff(404)),  # no such upload
    "import_confirm": ("token", "", staff(405)),  # POST only
    "import_cancel": ("token", "", staff(405)),
    "import_detail": ("batch", "", STAFF),
    "import_rollback": ("batch", "", STAFF),
    "refi_home": ("", "", STAFF),
    "refi_mapping": ("token", "", staff(404)),
    "refi_cancel": ("token", "", staff(405)),
    "refi_done": ("", "", staff(302)),  # nothing imported in this session: back to the start
    "refi_export_all": ("", "", staff(405)),  # POST only
    "refi_export_project": ("project", "", staff(405)),
    "refi_export_codebook": ("", "", staff(405)),
    "refi_export_project_codebook": ("project", "", staff(405)),
    # Jobs are their owner's alone: the world's job belongs to the admin.
    "my_jobs": ("", "", SIGNED_IN),
    "job_detail": ("job", "", {**STAFF, "outsider": 404, "peer": 404, "evaluator": 404}),
    "job_retry": ("job", "", {r: 405 for r in ROLES}),  # POST only
    "job_download": ("job", "", {r: 404 for r in ROLES}),  # no file (yet)
    "job_start_admin": ("job_kind", "", staff(405)),  # POST only
    "api_job_status": ("job", "", {**STAFF, "outsider": 404, "peer": 404, "evaluator": 404}),
    "participant_withdraw": ("participant", "", STAFF),
    # Discussions: members read, coders write (evaluators 403), outsiders learn nothing (404).
    # The world's project is too small to show an evaluator, so its threads are closed to them
    # (disclosure control; test_disclosure.py reads the threads of larger projects).
    "discussion_list": ("", "", SIGNED_IN),
    "discussion_detail": ("discussion", "", {**MEMBERS, "evaluator": 403}),
    "discussion_new": ("interview", "", CODERS),
    "discussion_comment": ("discussion", "", {r: 405 for r in ROLES}),  # POST only
    "discussion_resolve": ("discussion", "", {r: 405 for r in ROLES}),
    # The disagreement queue is the coding team's work: evaluators are refused it.
    "disagreement_list": ("project", "", {**MEMBERS, "evaluator": 403}),
    "disagreement_decide": ("project", "", {r: 405 for r in ROLES}),  # POST only
    # Calibration: the reference is for leads (admins here); an attempt is its coder's (peer's).
    "calibration_list": ("project", "", MEMBERS),
    # The decisions file, like the queue, is refused to evaluators.
    "review_export": ("review", "", {**MEMBERS, "evaluator": 403}),
    "calibration_set": ("calibration", "", {**CODERS, "peer": 403}),
    "calibration_start": ("calibration", "", {r: 405 for r in ROLES}),
    "calibration_attempt": ("attempt", "", {**CODERS, "admin": 403}),
    # Not finished yet: its coder and leads are sent back to the practice page.
    "calibration_results": ("attempt", "", {**CODERS, "peer": 302, "admin": 302}),
    "interview_redact": ("interview", "", STAFF),
    # Quotes: members read the Quotes page (evaluators under disclosure control); peer
    # researchers suggest, leads (and admins) decide and set the attribution: all by POST.
    "quote_list": ("project", "", MEMBERS),
    "quote_propose": ("project", "", {r: 405 for r in ROLES}),
    "quote_settings": ("project", "", {r: 405 for r in ROLES}),
    "quote_decide": ("quote", "", {r: 405 for r in ROLES}),
    "quote_remove": ("quote", "", {r: 405 for r in ROLES}),
    "api_excerpt_quotes": ("excerpt", "", CODERS),
    "api_quote_detail": ("quote_api", "", {r: 405 for r in ROLES}),  # DELETE only
}
PUBLIC = {"login", "logout", "health"}


def url_names(patterns: list[Any], namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue  # Django's admin checks is_staff itself (tested below)
            names |= url_names(pattern.url_patterns, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)
    return names


def test_it_has_a_matrix_entry_for_every_url() -> None:
    names = url_names(get_resolver().url_patterns)
    assert names - PUBLIC == set(MATRIX), "Add new URLs to MATRIX and to the README's matrix"


@pytest.fixture
def world(project: Any, peer: Any, evaluator: Any, outsider: Any, admin_user: Any) -> dict:
    interview = make_interview(project, "Interviewer: Hi\nParticipant: I felt safe there.")
    excerpt = make_excerpt(interview, peer, 16, 30, "safety")
    batch = ImportBatch.objects.create(source_name="batch.zip", created_by=admin_user)
    job = Job.objects.create(kind=Job.Kind.BACKUP, owner=admin_user, title="Backup")
    safety = CodebookValue.objects.get(slug="safety")
    discussion = discussion_start(interview=interview, user=peer, body="Safety?", excerpt=excerpt)
    calibration = calibration_set_create(project=project, name="Starter", user=admin_user)
    calibration_passage_add(
        calibration=calibration, interview=interview, start=16, end=30, values=[], user=admin_user
    )
    attempt = calibration_attempt_start(calibration=calibration, coder=peer)
    # An accepted split (with its recode queue) and a peer's provisional value.
    trust = CodebookValue.objects.create(project=project, slug="trust", name="Trust", order=7)
    split = proposal_create(
        project=project,
        actor=peer,
        kind="split",
        value=trust,
        split_names=["Trust in peers", "Trust in staff"],
        reason="Two ideas.",
    )
    proposal_decide(proposal=split, actor=admin_user, accept=True, reason="Yes.")
    provisional = services.value_create(project=project, actor=peer, name="Hope")
    quote = quote_propose(excerpt=excerpt, value_id=safety.pk, caption="Safe.", user=peer)
    pack_version = pack_publish(project=project, projects=[project], actor=peer)
    feedback = pack_feedback_record(
        version=pack_version, actor=peer, who="A member", received=date(2026, 1, 1), said="Ok."
    )
    kwargs = {
        "": {},
        "project": {"slug": project.slug},
        "value": {"slug": project.slug, "pk": safety.pk},
        "provisional": {"slug": project.slug, "pk": provisional.pk},
        "version": {"slug": project.slug, "number": 1},
        "proposal": {"slug": project.slug, "pk": split.pk},
        "interview": {"pk": interview.pk},
        "participant": {"pk": interview.participant_id},
        "excerpt": {"pk": excerpt.pk},
        "discussion": {"pk": discussion.pk},
        "calibration": {"pk": calibration.pk},
        "review": {"slug": project.slug, "what": "decisions"},
        "attempt": {"pk": attempt.pk},
        "batch": {"pk": batch.pk},
        "token": {"token": "0" * 32},
        "chart": {"kind": "bars"},
        "export": {"what": "table", "fmt": "csv"},
        "job": {"pk": job.pk},
        "job_kind": {"kind": Job.Kind.BACKUP},
        "quote": {"slug": project.slug, "pk": quote.pk},
        "quote_api": {"pk": quote.pk},
        "pack": {"scope": project.slug},
        "pack_version": {"scope": project.slug, "number": 1},
        "pack_feedback": {"scope": project.slug, "number": 1, "pk": feedback.pk},
    }
    queries = {"": "", "cell": f"?column={project.pk}&value={safety.pk}"}
    users = {"outsider": outsider, "peer": peer, "evaluator": evaluator, "admin": admin_user}
    return {"kwargs": kwargs, "queries": queries, "users": users}


def url_for(world: dict, name: str) -> str:
    kwargs_key, query_key, _ = MATRIX[name]
    return reverse(name, kwargs=world["kwargs"][kwargs_key]) + world["queries"][query_key]


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_it_sends_anonymous_visitors_to_login(client: Client, world: dict, name: str) -> None:
    url = url_for(world, name)
    for method in (client.get, client.post):
        response = method(url)
        if name.startswith("api_"):
            assert response.status_code == 401, (method, response.status_code)
        else:
            assert response.status_code == 302, (method, response.status_code)
            assert response["Location"].startswith(reverse("login")), response["Location"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_it_gives_each_role_what_the_matrix_allows(
    client: Client, world: dict, name: str, role: str
) -> None:
    client.force_login(world["users"][role])
    response = client.get(url_for(world, name))
    expected = MATRIX[name][2][role]
    assert response.status_code == expected, (name, role, response.status_code)
    assert "unsafe-inline" not in response.get("Content-Security-Policy", "")


@pytest.mark.parametrize("role", ["outsider", "peer", "evaluator"])
def test_it_keeps_the_django_admin_to_staff(client: Client, world: dict, role: str) -> None:
    client.force_login(world["users"][role])
    for url in ("/admin/", "/admin/coding/interview/", "/admin/coding/auditevent/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
