"""The demo shows the peer-led codebook: a lead, and a proposal waiting for the team."""

from __future__ import annotations

from typing import Any

from coding.demo.codebook import DEMO_SPLIT, demo_codebook_seed
from coding.models import CodebookValue, ExcerptValue, Membership, Proposal

from .conftest import make_excerpt, make_interview


def test_it_makes_a_lead_and_opens_a_split_once(project: Any, peer: Any, peer2: Any) -> None:
    CodebookValue.objects.create(project=project, slug="trust", name="Trust", order=7)
    make_excerpt(make_interview(project), peer, 0, 5, "trust")
    demo_codebook_seed(project, peer, peer2)
    demo_codebook_seed(project, peer, peer2)
    assert Membership.objects.get(project=project, user=peer).is_lead
    proposal = Proposal.objects.get()
    assert (proposal.kind, proposal.split_names, proposal.proposed_by) == (
        "split",
        list(DEMO_SPLIT),
        peer2,
    )
    assert proposal.votes.get().agrees and proposal.comments.count() == 1
    assert not ExcerptValue.objects.filter(version__isnull=True).exists()
