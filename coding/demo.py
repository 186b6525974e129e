"""Synthetic demonstration data: three projects of fictional interviews, coded by two people.

Everything is generated from fixed seeds, so two runs give the same texts, offsets and values;
seeding is idempotent because interviews are matched by their content hash.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from .audit import audit_record
from .codebook import codebook_fixture, project_values_load
from .models import (
    AuditEvent,
    CodebookValue,
    CodingProgress,
    Excerpt,
    ExcerptValue,
    ImportBatch,
    Interview,
    Membership,
    Participant,
    ResearchProject,
    content_hash,
    count_words,
)

DEMO_INTERVIEW_COUNTS = {
    "side-by-side": 69,
    "women-side-by-side": 40,
    "maternal-peer-support": 24,
}
DEMO_ADMIN = "admin"
DEMO_PEER_RESEARCHERS = ("amira", "ben")
DEMO_EVALUATOR = "erin"
SYNTHETIC_NOTE = "[Synthetic demo transcript: a fictional interview, not a real person.]"

# How often each value is the theme of a participant's sentence, per project: the demo's
# projects differ the way an evaluator might expect (safety and trust in the women-only groups,
# connection and shared experience around motherhood).
VALUE_WEIGHTS = {
    "side-by-side": {
        "experience-in-common": 20,
        "safety": 12,
        "choice-and-control": 20,
        "two-way-interactions": 22,
        "human-connection": 16,
        "freedom-to-be-oneself": 10,
    },
    "women-side-by-side": {
        "experience-in-common": 14,
        "safety": 28,
        "choice-and-control": 10,
        "two-way-interactions": 9,
        "human-connection": 12,
        "freedom-to-be-oneself": 12,
        "trust": 15,
    },
    "maternal-peer-support": {
        "experience-in-common": 28,
        "safety": 14,
        "choice-and-control": 7,
        "two-way-interactions": 9,
        "human-connection": 28,
        "freedom-to-be-oneself": 14,
    },
}

THEMED = {
    "experience-in-common": [
        "Everyone there had been through something like what I’d been through, so I didn’t have to explain myself.",
        "When she said she’d had the same diagnosis, something in me just relaxed.",
        "It matters that they’ve been on the wards too, they know what it’s like from the inside.",
        "We were all mums who had struggled after the birth, and that made it different from any other group.",
        "I decide who my peers are, it isn’t about a label on a form.",
        "Hearing someone describe the exact same panic I feel at night was a shock, a good one.",
        "Being with other women who have lived it, you just nod, you don’t need the words.",
    ],
    "safety": [
        "The ground rules about confidentiality were read out every week and that made it feel safe.",
        "It was a warm room in the library, not a clinic, and that helped me feel safe.",
        "I knew what I said in the group would stay in the group.",
        "The facilitator went first and shared something small, which showed us how it could be done.",
        "Being safe and feeling safe aren’t the same thing, it took me weeks to feel it.",
        "Having a women-only space meant I could finally breathe and put my guard down.",
        "There was always someone to talk to afterwards if a session stirred things up.",
    ],
    "choice-and-control": [
        "Nobody made me speak, I could just listen for the first few weeks.",
        "I stopped going for a couple of months and when I came back nobody made a fuss.",
        "I chose what I wanted to share and what I kept to myself.",
        "We decided together what the sessions would be about.",
        "I could come along when I was well enough, there was no pressure.",
        "I took on running the tea rota because I wanted to, not because I had to.",
        "You could leave the room at any point and that was fine.",
    ],
    "two-way-interactions": [
        "Some weeks I was the one being helped and other weeks I was helping someone else.",
        "The facilitator shared her own struggles too, so it didn’t feel like them and us.",
        "Giving something back made me feel useful again.",
        "It’s not like seeing a professional, we’re all on the same level.",
        "I learnt as much from listening to others as from talking myself.",
        "Helping the new members settle in gave me a real sense of purpose.",
    ],
    "human-connection": [
        "I felt less alone for the first time in years.",
        "We still message each other every day, it’s a real friendship now.",
        "Someone understood me without me having to spell it out.",
        "It was the cup of tea and the chat afterwards that kept me coming back.",
        "When my baby was tiny the group was my lifeline to other people.",
        "Just being around people who cared made a difference to how I got through the week.",
        "Those friendships carried on long after the sessions finished 😊.",
    ],
    "freedom-to-be-oneself": [
        "I could be myself there without worrying about being judged.",
        "For once I didn’t have to pretend I was fine.",
        "They accepted me as I am, the bad days as well as the good ones.",
        "I could laugh about things that would shock other people and nobody batted an eyelid.",
        "It made me feel normal, like I wasn’t the odd one out.",
        "I could say I found motherhood hard without anyone thinking I was a bad mum.",
    ],
    "trust": [
        "Trust took time, because of what had happened to me before.",
        "I trusted the other women in a way I haven’t trusted anyone for a long time.",
        "Once I knew I could trust the facilitator, everything else followed.",
        "After the trauma I’d been through, trusting a group felt impossible at first.",
        "They kept their word every single week, and that is how the trust was built.",
    ],
}

FILLER = [
    "I heard about it from a leaflet at the GP surgery.",
    "The bus there took about forty minutes.",
    "It was on a Tuesday afternoon, which suited me.",
    "There were usually between six and ten people.",
    "I’d tried a few other things before that.",
    "My sister came with me the first time.",
    "We had biscuits, and sometimes someone brought a cake.",
    "I’m not sure how to put it really.",
    "It was a couple of years ago now, so I might not remember everything.",
    "During lockdown we moved online, which took some getting used to.",
    "The sessions lasted about an hour and a half.",
    "I work part-time, so the timing mattered.",
    "There was a café next door where some of us went afterwards.",
    "We met in a community centre near the high street.",
    "Some weeks there were more people than others.",
    "I think the funding came from the council, but I’m not sure.",
    "The Wi-Fi kept dropping out when we were on the video calls 📶.",
    "One of the members was from Kraków and taught us to say dziękuję.",
    "We went on a walk to the park once, which was lovely 🌳.",
    "Zoë, who ran the crèche, was brilliant with the little ones.",
    "Honestly, I nearly didn’t go back after the first week.",
    "It’s hard to describe, you know?",
    "I still have the leaflet somewhere at home.",
    "My health visitor mentioned it when my son was about three months old.",
]

QUESTIONS = [
    "How did you first hear about the peer support?",
    "What was it like the first time you went along?",
    "Can you tell me about a session that stayed with you?",
    "What, if anything, made it different from other support you’ve had?",
    "How did the group decide what to talk about?",
    "Was there anything that made it hard to take part?",
    "How did things change when sessions moved online?",
    "What would you say to someone thinking of joining?",
    "How did you get on with the facilitators?",
    "Is there anything you would change about it?",
    "What did you get out of it, if anything?",
    "Could you say a bit more about that?",
    "How did it feel when the group came to an end?",
]

PSEUDONYMS = [
    "Willow",
    "Rowan",
    "Hazel",
    "Ash",
    "Briar",
    "Cedar",
    "Fern",
    "Heather",
    "Ivy",
    "Juniper",
    "Laurel",
    "Maple",
    "Oak",
    "Poppy",
    "Reed",
    "Sage",
    "Sorrel",
    "Tansy",
    "Yarrow",
    "Alder",
    "Bramble",
    "Clover",
    "Daisy",
    "Elder",
    "Flax",
    "Gorse",
    "Holly",
    "Iris",
    "Jasmine",
    "Kestrel",
    "Linden",
    "Myrtle",
    "Nettle",
    "Olive",
    "Pine",
]
ROLES = [
    (Participant.Role.PARTICIPANT, 70),
    (Participant.Role.FACILITATOR, 15),
    (Participant.Role.STAFF, 8),
    (Participant.Role.STAKEHOLDER, 5),
    (Participant.Role.OTHER, 2),
]
AGE_BANDS = ["18-24", "25-34", "35-44", "45-54", "55-64", "65+"]
ETHNICITIES = ["White British", "Black British", "Asian British", "Mixed", "White other", "Other"]
PROJECT_PERIODS = {
    "side-by-side": (dt.date(2015, 6, 1), dt.date(2017, 3, 1)),
    "women-side-by-side": (dt.date(2019, 1, 1), dt.date(2021, 6, 1)),
    "maternal-peer-support": (dt.date(2020, 6, 1), dt.date(2022, 6, 1)),
}
COVID = dt.date(2020, 3, 23)

# How likely an interview is to touch on each value at all, per project: without this every
# long interview would mention every value and prevalence would read 100% everywhere.
PRESENCE = {
    "side-by-side": {
        "experience-in-common": 0.8,
        "safety": 0.55,
        "choice-and-control": 0.85,
        "two-way-interactions": 0.9,
        "human-connection": 0.75,
        "freedom-to-be-oneself": 0.5,
    },
    "women-side-by-side": {
        "experience-in-common": 0.6,
        "safety": 0.95,
        "choice-and-control": 0.45,
        "two-way-interactions": 0.4,
        "human-connection": 0.6,
        "freedom-to-be-oneself": 0.65,
        "trust": 0.8,
    },
    "maternal-peer-support": {
        "experience-in-common": 0.95,
        "safety": 0.6,
        "choice-and-control": 0.35,
        "two-way-interactions": 0.45,
        "human-connection": 0.95,
        "freedom-to-be-oneself": 0.7,
    },
}
INTERVIEWERS = ["Researcher A", "Researcher B", "Researcher C", "Researcher D"]


@dataclass
class DemoExcerpt:
    coder_index: int
    start: int
    end: int
    values: list[str]


@dataclass
class DemoInterview:
    project_slug: str
    number: int
    pseudonym: str
    role: str
    attributes: dict[str, str]
    date: dt.date
    mode: str
    interviewer: str
    text: str
    excerpts: list[DemoExcerpt] = field(default_factory=list)
    done_by: list[int] = field(default_factory=list)


def _weighted(rng: random.Random, weights: dict[str, int] | list[tuple[Any, int]]) -> Any:
    items = list(weights.items()) if isinstance(weights, dict) else weights
    return rng.choices([k for k, _ in items], weights=[w for _, w in items], k=1)[0]


def demo_interview(project_slug: str, number: int) -> DemoInterview:
    """Generate one fictional interview and its coding, the same every time."""
    rng = random.Random(f"peervalues-demo:{project_slug}:{number}")
    n = len(PSEUDONYMS)
    pseudonym = PSEUDONYMS[number % n] + (f" {chr(65 + number // n)}." if number >= n else "")
    role = _weighted(rng, ROLES)
    if project_slug == "side-by-side":
        gender = rng.choice(["Woman", "Man", "Man", "Woman", "Non-binary"])
    else:
        gender = "Woman"
    attributes = {
        "age_band": rng.choice(
            AGE_BANDS[:4] if project_slug == "maternal-peer-support" else AGE_BANDS
        ),
        "gender": gender,
        "ethnicity": rng.choice(ETHNICITIES),
    }
    first, last = PROJECT_PERIODS[project_slug]
    date = first + dt.timedelta(days=rng.randrange((last - first).days))
    if date >= COVID:
        mode = _weighted(rng, [(Interview.Mode.ONLINE, 70), (Interview.Mode.PHONE, 30)])
    else:
        mode = _weighted(rng, [(Interview.Mode.IN_PERSON, 75), (Interview.Mode.PHONE, 25)])

    # Transcription conventions vary between transcribers.
    style = rng.choice(["full", "full", "short", "stamped"])
    labels = {
        "full": ("Interviewer", "Participant"),
        "short": ("I", "P"),
        "stamped": ("Interviewer", pseudonym.split()[0]),
    }[style]
    present = {
        slug: weight
        for slug, weight in VALUE_WEIGHTS[project_slug].items()
        if rng.random() < PRESENCE[project_slug][slug]
    }
    # At least two values come up in any interview.
    for slug in sorted(VALUE_WEIGHTS[project_slug], key=lambda s: -VALUE_WEIGHTS[project_slug][s]):
        if len(present) >= 2:
            break
        present[slug] = VALUE_WEIGHTS[project_slug][slug]
    weights = present
    # Lines are added until the target is passed; the last answer adds at most ~200 words.
    target_words = rng.randint(3000, 8750)
    parts: list[str] = [SYNTHETIC_NOTE, ""]
    themed_spans: list[tuple[int, int, str]] = []
    offset = sum(len(p) + 1 for p in parts)
    words = count_words(SYNTHETIC_NOTE)
    seconds = 0

    def add_line(line: str) -> int:
        nonlocal offset, words
        start = offset
        words += count_words(line)
        parts.append(line)
        offset += len(line) + 1
        return start

    while words < target_words:
        seconds += rng.randint(20, 140)
        stamp = (
            f"[{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}] "
            if style == "stamped"
            else ""
        )
        question = rng.choice(QUESTIONS)
        add_line(f"{stamp}{labels[0]}: {question}")
        prefix = f"{stamp}{labels[1]}: "
        sentences: list[tuple[str, str | None]] = []
        for _ in range(rng.randint(3, 8)):
            if rng.random() < 0.45:
                slug = _weighted(rng, weights)
                sentences.append((rng.choice(THEMED[slug]), slug))
            else:
                sentences.append((rng.choice(FILLER), None))
        line = prefix
        spans: list[tuple[int, int, str]] = []
        for i, (sentence, slug) in enumerate(sentences):
            if i:
                line += " "
            if slug:
                spans.append((len(line), len(line) + len(sentence), slug))
            line += sentence
        start = add_line(line)
        themed_spans.extend((start + s, start + e, slug) for s, e, slug in spans)
    text = "\n".join(parts)

    interview = DemoInterview(
        project_slug,
        number,
        pseudonym,
        role,
        attributes,
        date,
        mode,
        rng.choice(INTERVIEWERS),
        text,
    )
    # Who codes it: most interviews by one of the two coders, about a fifth by both, a few by
    # nobody yet.
    draw = rng.random()
    coders = [] if draw < 0.08 else [0, 1] if draw < 0.29 else [number % 2]
    first_coder_picks: dict[int, tuple[int, int, list[str]]] = {}
    for coder in coders:
        for index, (s, e, slug) in enumerate(themed_spans):
            agreeing = coder != coders[0] and index in first_coder_picks
            if agreeing and rng.random() < 0.85:
                s0, e0, values0 = first_coder_picks[index]
                values = values0 if rng.random() < 0.85 else [slug, _weighted(rng, weights)]
                interview.excerpts.append(DemoExcerpt(coder, s0, e0, sorted(set(values))))
                continue
            if rng.random() < (0.2 if not agreeing else 0.1):
                values = [slug]
                if rng.random() < 0.1:
                    values.append(_weighted(rng, weights))
                values = sorted(set(values))
                interview.excerpts.append(DemoExcerpt(coder, s, e, values))
                if coder == coders[0]:
                    first_coder_picks[index] = (s, e, values)
        if rng.random() < 0.85:
            interview.done_by.append(coder)
    return interview


@dataclass
class SeedResult:
    created_interviews: int
    created_excerpts: int
    passwords: dict[str, str]


def _demo_user(username: str, password: str, *, staff: bool = False) -> Any:
    user_model = get_user_model()
    user, _ = user_model.objects.get_or_create(
        username=username,
        defaults={"first_name": username.capitalize(), "is_staff": staff, "is_superuser": staff},
    )
    user.set_password(password)
    user.save(update_fields=["password"])
    return user


@transaction.atomic
def demo_seed(*, password: str | None = None) -> SeedResult:
    """Create what is missing of the demo data and set fresh passwords on the demo users."""
    fixture = codebook_fixture()
    passwords: dict[str, str] = {}

    def new_password() -> str:
        return password or secrets.token_urlsafe(9)

    passwords[DEMO_ADMIN] = new_password()
    admin = _demo_user(DEMO_ADMIN, passwords[DEMO_ADMIN], staff=True)
    coders = []
    for name in DEMO_PEER_RESEARCHERS:
        passwords[name] = new_password()
        coders.append(_demo_user(name, passwords[name]))
    passwords[DEMO_EVALUATOR] = new_password()
    evaluator = _demo_user(DEMO_EVALUATOR, passwords[DEMO_EVALUATOR])

    from .codebook import framework_values_load

    framework_values_load(CodebookValue)
    created_interviews = created_excerpts = 0
    batch: ImportBatch | None = None
    for row in fixture["projects"]:
        project, _ = ResearchProject.objects.get_or_create(
            slug=row["slug"],
            defaults={
                "name": row["name"],
                "kind": row["kind"],
                "description": row["description"] + " Demo data: fictional interviews.",
                "is_synthetic": True,
            },
        )
        project_values_load(CodebookValue, project)
        for user in coders:
            Membership.objects.get_or_create(
                user=user, project=project, defaults={"role": Membership.Role.PEER_RESEARCHER}
            )
        Membership.objects.get_or_create(
            user=evaluator, project=project, defaults={"role": Membership.Role.EVALUATOR}
        )
        values = {v.slug: v for v in CodebookValue.objects.for_project(project)}
        existing = set(project.interviews.values_list("content_hash", flat=True))
        demos = [
            demo_interview(project.slug, i) for i in range(DEMO_INTERVIEW_COUNTS[project.slug])
        ]
        demos = [d for d in demos if content_hash(d.text) not in existing]
        if not demos:
            continue
        if batch is None:
            batch = ImportBatch.objects.create(
                created_by=admin, source_name="Demo data (synthetic)"
            )
        made, n_excerpts = _demo_interviews_save(project, demos, values, coders, batch)
        created_interviews += made
        created_excerpts += n_excerpts
    if batch is not None:
        batch.interview_count = created_interviews
        batch.report = {"note": "Synthetic demonstration data.", "excerpts": created_excerpts}
        batch.save(update_fields=["interview_count", "report"])
        audit_record(
            actor=admin,
            action=AuditEvent.Action.IMPORT,
            instance=batch,
            after={"interviews": created_interviews, "excerpts": created_excerpts},
        )
    return SeedResult(created_interviews, created_excerpts, passwords)


def _demo_interviews_save(
    project: ResearchProject,
    demos: list[DemoInterview],
    values: dict[str, CodebookValue],
    coders: list[Any],
    batch: ImportBatch,
) -> tuple[int, int]:
    participants = {p.pseudonym: p for p in project.participants.all()}
    for demo in demos:
        if demo.pseudonym not in participants:
            participants[demo.pseudonym] = Participant.objects.create(
                project=project,
                pseudonym=demo.pseudonym,
                role=demo.role,
                attributes=demo.attributes,
            )
    interviews = []
    for demo in demos:
        interview = Interview(
            project=project,
            participant=participants[demo.pseudonym],
            title=f"Interview {demo.number + 1:03d} – {demo.pseudonym}",
            interviewer=demo.interviewer,
            date=demo.date,
            mode=demo.mode,
            text=demo.text,
            import_batch=batch,
        )
        interview.refresh_derived_fields()
        interviews.append(interview)
    Interview.objects.bulk_create(interviews, batch_size=50)
    excerpts: list[Excerpt] = []
    excerpt_values: list[list[str]] = []
    progress: list[CodingProgress] = []
    now = timezone.now()
    for demo, interview in zip(demos, interviews, strict=True):
        for item in demo.excerpts:
            excerpts.append(
                Excerpt(
                    interview=interview,
                    coder=coders[item.coder_index],
                    start=item.start,
                    end=item.end,
                    text=interview.text[item.start : item.end],
                )
            )
            excerpt_values.append(item.values)
        coder_indexes = sorted({e.coder_index for e in demo.excerpts})
        for index in coder_indexes:
            progress.append(
                CodingProgress(
                    interview=interview,
                    coder=coders[index],
                    done_at=now if index in demo.done_by else None,
                )
            )
    Excerpt.objects.bulk_create(excerpts, batch_size=1000)
    ExcerptValue.objects.bulk_create(
        [
            ExcerptValue(excerpt=excerpt, value=values[slug])
            for excerpt, slugs in zip(excerpts, excerpt_values, strict=True)
            for slug in slugs
        ],
        batch_size=2000,
    )
    CodingProgress.objects.bulk_create(progress, batch_size=1000)
    assert all(count_words(i.text) >= 3000 for i in interviews)
    return len(interviews), len(excerpts)
