"""The team's progress: per project and per coder, what is not started, in progress and done.

Evaluators land here: they read the team's coding rather than code themselves. Four queries
whatever the number of projects, coders and interviews.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet

from .models import CodingProgress, Excerpt, Interview, Membership, ResearchProject
from .review.blind import CONSENSUS_USERNAME


@dataclass
class CoderProgress:
    username: str
    not_started: int = 0
    in_progress: int = 0
    done: int = 0
    excerpts: int = 0
    double_coded: int = 0  # interviews this coder coded that another coder coded too


@dataclass
class ProjectTeam:
    project: ResearchProject
    interviews: int = 0
    double_coded: int = 0  # interviews with excerpts by two coders or more
    coders: list[CoderProgress] = field(default_factory=list)


def team_progress(projects: QuerySet[ResearchProject]) -> list[ProjectTeam]:
    """Each project's coders (peer researchers, and anyone else who coded) and their progress."""
    teams = {project.pk: ProjectTeam(project=project) for project in projects}
    ids = list(teams)
    if not ids:
        return []
    interview_counts = (
        Interview.objects.filter(project_id__in=ids)
        .order_by()
        .values_list("project_id")
        .annotate(n=Count("pk"))
    )
    for project_id, n in interview_counts:
        teams[project_id].interviews = n
    coders: dict[int, set[str]] = defaultdict(set)
    for project_id, username in Membership.objects.filter(
        project_id__in=ids, role=Membership.Role.PEER_RESEARCHER
    ).values_list("project_id", "user__username"):
        coders[project_id].add(username)

    # One row per (interview, coder) who made excerpts there. The consensus layer is the team's
    # decisions, not a coder: it is left out.
    excerpt_rows = list(
        Excerpt.objects.filter(interview__project_id__in=ids, is_consensus=False)
        .order_by()
        .values_list("interview__project_id", "interview_id", "coder__username")
        .annotate(n=Count("pk"))
    )
    progress_rows = (
        CodingProgress.objects.filter(interview__project_id__in=ids)
        .exclude(coder__username=CONSENSUS_USERNAME)
        .values_list("interview__project_id", "interview_id", "coder__username", "done_at")
    )
    # Per project: who coded each interview, and each coder's started and finished interviews.
    coders_of: dict[int, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    started: dict[tuple[int, str], set[int]] = defaultdict(set)
    done: dict[tuple[int, str], set[int]] = defaultdict(set)
    excerpts: Counter[tuple[int, str]] = Counter()
    for project_id, interview_id, username, n in excerpt_rows:
        coders_of[project_id][interview_id].add(username)
        started[(project_id, username)].add(interview_id)
        excerpts[(project_id, username)] += n
        coders[project_id].add(username)
    for project_id, interview_id, username, done_at in progress_rows:
        started[(project_id, username)].add(interview_id)
        if done_at is not None:
            done[(project_id, username)].add(interview_id)
    for pk, team in teams.items():
        double = {i for i, names in coders_of[pk].items() if len(names) > 1}
        team.double_coded = len(double)
        for username in sorted(coders[pk]):
            mine, finished = started[(pk, username)], done[(pk, username)]
            team.coders.append(
                CoderProgress(
                    username=username,
                    not_started=team.interviews - len(mine),
                    in_progress=len(mine - finished),
                    done=len(finished),
                    excerpts=excerpts[(pk, username)],
                    double_coded=sum(1 for i in double if username in coders_of[pk][i]),
                )
            )
    return list(teams.values())
