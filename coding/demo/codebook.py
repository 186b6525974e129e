"""The demo's peer-led codebook: a project lead, and a proposal waiting for the team."""

from __future__ import annotations

from typing import Any

from ..models import CodebookValue, ExcerptValue, Membership, Proposal, ResearchProject
from ..proposals import proposal_comment, proposal_create, proposal_vote
from ..versions import current_version

DEMO_SPLIT = ("Trust in peers", "Trust in facilitators")


def demo_codebook_seed(project: ResearchProject, lead: Any, peer: Any) -> None:
    """Make `lead` the project's lead, put demo tags on the current version, and open one
    proposal (splitting trust where the project has it) unless the project has proposals."""
    Membership.objects.filter(project=project, user=lead).update(is_lead=True)
    version = current_version(project)
    ExcerptValue.objects.filter(excerpt__interview__project=project, version__isnull=True).update(
        version=version
    )
    if Proposal.objects.filter(project=project).exists():
        return
    trust = CodebookValue.objects.filter(project=project, slug="trust", is_active=True).first()
    if trust is None:
        return
    proposal = proposal_create(
        project=project,
        actor=peer,
        kind="split",
        value=trust,
        split_names=list(DEMO_SPLIT),
        reason=(
            "People speak of trusting each other and of trusting the facilitators in different "
            "ways; the second is often about feeling safe to come back."
        ),
    )
    proposal_comment(
        proposal=proposal,
        actor=lead,
        text="Agreed that these differ. Could we look at three excerpts of each first?",
    )
    proposal_vote(proposal=proposal, actor=lead, agrees=True)
