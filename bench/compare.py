"""Benchmark of the comparison on PostgreSQL: 10,000 interviews and 1,000,000 excerpt-value tags.

Measures the comparison page under a set of filters (median of repeated requests), the
excerpts export streamed to the end (time and memory growth), and the agreement page on the
500 double-coded interviews. Prints figures; asserts nothing.

    DEBUG=1 .venv/bin/python bench/compare.py            # builds the data (a few minutes)
    DEBUG=1 .venv/bin/python bench/compare.py --reuse    # measures again on the data built before

The data is generated inside PostgreSQL (INSERT ... SELECT over generate_series), with short
texts, into its own database (`pv_bench_compare` unless BENCH_DATABASE_URL says otherwise).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from _setup import database_create, setup_django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/pv_bench_compare"
INTERVIEWS = 10_000
EXCERPTS_PER_CODER = 74  # x 10,500 interview-coder pairs x ~1.3 values = ~1,000,000 tags
DOUBLE_EVERY = 20  # every 20th interview is coded by both coders: 500 interviews


def generate() -> None:
    """Fill the database: projects, codebook, users, participants, interviews, excerpts, tags."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from coding.codebook import framework_values_load, project_values_load
    from coding.models import CodebookValue, Membership, ResearchProject

    started = time.perf_counter()
    user_model = get_user_model()
    admin = user_model.objects.create_user("bench-admin", password="x" * 12, is_staff=True)
    coders = [user_model.objects.create_user(n, password="x" * 12) for n in ("amira", "ben")]
    evaluator = user_model.objects.create_user("erin", password="x" * 12)
    framework_values_load(CodebookValue)
    projects = []
    for slug, name in [
        ("side-by-side", "Community mental health peer support (Side by Side)"),
        ("women-side-by-side", "Women-only peer support (Women Side by Side)"),
        ("maternal-peer-support", "Maternal mental health peer support"),
    ]:
        project = ResearchProject.objects.create(slug=slug, name=name, is_synthetic=True)
        project_values_load(CodebookValue, project)
        for coder in coders:
            Membership.objects.create(user=coder, project=project, role="peer_researcher")
        Membership.objects.create(user=evaluator, project=project, role="evaluator")
        projects.append(project)
    framework = list(
        CodebookValue.objects.filter(project__isnull=True)
        .order_by("order")
        .values_list("id", flat=True)
    )
    trust = CodebookValue.objects.get(slug="trust").pk
    p1, p2, p3 = (p.pk for p in projects)
    a, b = (c.pk for c in coders)
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.42)")
        cursor.execute(
            f"""
            INSERT INTO coding_participant (guid, project_id, pseudonym, role, attributes, created,
                quote_consent)
            SELECT gen_random_uuid(),
                   CASE WHEN n <= 5200 THEN {p1} WHEN n <= 8200 THEN {p2} ELSE {p3} END,
                   'P' || n,
                   (ARRAY['participant','participant','participant','facilitator','staff',
                          'stakeholder','participant','other'])[1 + n % 8],
                   jsonb_build_object(
                     'gender', (ARRAY['Woman','Man','Woman','Non-binary'])[1 + n % 4],
                     'age_band', (ARRAY['18-24','25-34','35-44','45-54','55-64','65+'])[1 + n % 6],
                     'ethnicity', (ARRAY['White British','Black British','Asian British',
                                         'Mixed','White other','Other'])[1 + (n / 7) % 6]),
                   now(), 'not_asked'
            FROM generate_series(1, {INTERVIEWS}) n
            """
        )
        cursor.execute(
            """
            INSERT INTO coding_interview (guid, project_id, participant_id, title, interviewer,
                date, mode, text, content_hash, word_count, created)
            SELECT gen_random_uuid(), p.project_id, p.id, 'Interview ' || p.pseudonym, '',
                   DATE '2015-01-01' + (p.id % 2900)::int,
                   (ARRAY['in_person','phone','online'])[1 + p.id % 3],
                   t.text, md5(t.text) || md5(t.text || 'x'), 90, now()
            FROM coding_participant p
            CROSS JOIN LATERAL (
              SELECT 'Participant: ' || md5(p.id::text) || ' ' ||
                     repeat('We met on Tuesdays and it felt safe. ', 12) AS text
            ) t
            """
        )
        cursor.execute(
            f"""
            INSERT INTO coding_excerpt (guid, interview_id, coder_id, start, "end", text, note,
                created, updated, is_consensus)
            SELECT gen_random_uuid(), i.id, c.coder, s.st, s.st + s.len,
                   substr(i.text, s.st + 1, s.len), '', now(), now(), false
            FROM coding_interview i
            CROSS JOIN LATERAL unnest(
              CASE WHEN i.id % {DOUBLE_EVERY} = 0 THEN ARRAY[{a}, {b}]
                   WHEN i.id % 2 = 0 THEN ARRAY[{a}] ELSE ARRAY[{b}] END) AS c(coder)
            CROSS JOIN LATERAL (
              SELECT (j * 6) % 440 AS st, 5 + (j * 7 + c.coder) % 20 AS len
              FROM generate_series(0, {EXCERPTS_PER_CODER - 1}) j
            ) s
            """
        )
        values = "(ARRAY[" + ",".join(str(v) for v in framework) + "])"
        # Each excerpt gets one value, skewed per project; about 30% get a second one.
        cursor.execute(
            f"""
            INSERT INTO coding_excerptvalue (excerpt_id, value_id)
            SELECT e.id,
                   CASE WHEN i.project_id = {p2} AND abs(hashint8(e.id)) % 100 < 12 THEN {trust}
                        ELSE {values}[1 + CASE WHEN k.k >= 6 THEN k.project_index ELSE k.k END]
                   END
            FROM coding_excerpt e JOIN coding_interview i ON i.id = e.interview_id
            CROSS JOIN LATERAL (
              SELECT abs(hashint8(e.id * 31)) % (6 + (i.project_id - {p1}) * 2) AS k,
                     (i.project_id - {p1}) * 2 AS project_index
            ) k
            """
        )
        cursor.execute(
            f"""
            INSERT INTO coding_excerptvalue (excerpt_id, value_id)
            SELECT ev.excerpt_id, {values}[1 + (array_position({values}, ev.value_id)
                                               + abs(hashint8(ev.excerpt_id)) % 5) % 6]
            FROM coding_excerptvalue ev
            WHERE ev.value_id <> {trust} AND abs(hashint8(ev.excerpt_id * 7)) % 100 < 31
            """
        )
        # Both coders marked their double-coded interviews done: agreement counts only those.
        cursor.execute(
            """
            INSERT INTO coding_codingprogress (interview_id, coder_id, memo, done_at, updated)
            SELECT DISTINCT e.interview_id, e.coder_id, '', now(), now() FROM coding_excerpt e
            """
        )
        cursor.execute("ANALYZE")
        cursor.execute("SELECT count(*) FROM coding_excerptvalue")
        tags = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM coding_excerpt")
        excerpts = cursor.fetchone()[0]
    print(
        f"generated {INTERVIEWS:,} interviews, {excerpts:,} excerpts, {tags:,} tags in "
        f"{time.perf_counter() - started:.0f} s (admin: {admin.username})"
    )


def timed(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


def rss_mib() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def measure(repeat: int) -> None:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection, reset_queries
    from django.test import Client

    settings.DEBUG = True  # query times for the SQL/Python split
    # The export is measured streamed in the request, not handed to a background job.
    settings.EXPORT_JOB_THRESHOLD = 10**9
    client = Client()
    client.force_login(get_user_model().objects.get(username="bench-admin"))
    evaluator = Client()
    evaluator.force_login(get_user_model().objects.get(username="erin"))
    cases = [
        ("no filter (excerpts per interview)", client, {}),
        ("prevalence, all coders", client, {"measure": "prevalence"}),
        ("one coder per interview", client, {"rule": "one"}),
        ("agreed by all coders", client, {"rule": "agreed"}),
        ("mode = online", client, {"mode": "online"}),
        ("role = participant + facilitator", client, {"role": ["participant", "facilitator"]}),
        (
            "dates 2016-01-01 to 2017-12-31",
            client,
            {"date_from": "2016-01-01", "date_to": "2017-12-31"},
        ),
        ("attribute gender = Woman", client, {"attr": "gender=Woman"}),
        ("coder = amira", client, {"coder": "amira"}),
        (
            "split by ethnicity (evaluator, disclosure control)",
            evaluator,
            {"breakdown": "attr:ethnicity"},
        ),
        ("evaluator, role = participant (narrowing off)", evaluator, {"role": "participant"}),
        ("excerpts per 1,000 words", client, {"measure": "per_1000_words"}),
        (
            "split by mode, agreed, prevalence",
            client,
            {"breakdown": "mode", "rule": "agreed", "measure": "prevalence"},
        ),
        ("coverage (union of spans)", client, {"measure": "coverage"}),
    ]
    print(f"\nComparison page (GET /compare/, whole response), median of {repeat}:")
    print(
        "| case | median ms | min ms | max ms | of which SQL | of which Python |\n"
        "| --- | ---: | ---: | ---: | ---: | ---: |"
    )
    for label, who, params in cases:
        who.get("/compare/", params)  # warm-up
        sql: list[float] = []

        def one(who=who, params=params, sql=sql) -> None:
            reset_queries()
            _ok(who.get("/compare/", params))
            # Time spent in the database (DEBUG records each query's time); the rest of the
            # request is Python: pandas, numpy, the template. The split moves less with load.
            sql.append(sum(float(q["time"]) for q in connection.queries) * 1000)

        times = timed(one, repeat)
        python = [t - q for t, q in zip(times, sql, strict=True)]
        print(
            f"| {label} | {statistics.median(times):.0f} | {min(times):.0f} | {max(times):.0f} "
            f"| {statistics.median(sql):.0f} | {statistics.median(python):.0f} |"
        )

    print("\nAgreement page on the double-coded interviews:")
    for unit in ("characters", "sentences"):
        client.get("/compare/agreement/", {"unit": unit})
        times = timed(lambda unit=unit: _ok(client.get("/compare/agreement/", {"unit": unit})), 3)
        print(f"- unit {unit}: median {statistics.median(times):.0f} ms")

    print("\nExcerpts export (CSV, streamed to the end):")
    before = rss_mib()
    peak = before
    started = time.perf_counter()
    response = client.get("/compare/export/excerpts.csv")
    rows = size = 0
    for chunk in response.streaming_content:
        rows += 1
        size += len(chunk)
        if rows % 50_000 == 0:
            peak = max(peak, rss_mib())
    elapsed = time.perf_counter() - started
    print(
        f"- {rows - 1:,} rows, {size / 2**20:.0f} MiB in {elapsed:.1f} s; resident memory "
        f"{before:.0f} MiB before, {peak:.0f} MiB at most while streaming"
    )


def _ok(response) -> None:
    if response.status_code != 200:
        raise SystemExit(f"unexpected status {response.status_code}")
    if not response.streaming:
        response.content  # noqa: B018 (render the whole body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", action="store_true", help="Measure on existing data.")
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peervalues.settings")
    have_data = database_create(url, keep=args.reuse)
    setup_django()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    call_command("migrate", verbosity=0)
    if not have_data:
        generate()
    from coding.analysis.tallies import tallies_refresh

    started = time.perf_counter()
    recounted = tallies_refresh()
    print(
        f"recounted the tallies of {recounted:,} interviews in "
        f"{time.perf_counter() - started:.1f} s (once, after a bulk load)"
    )
    measure(args.repeat)


if __name__ == "__main__":
    main()
