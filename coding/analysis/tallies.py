"""Keeping `ValueTally` (excerpts and coded characters per interview, coder and value) current.

The consensus layer (`Excerpt.is_consensus`) is not a person's coding and is left out here.
Database triggers (migration 0005) put the id of every interview whose tags or excerpts change
into `TallyQueue`, whatever wrote them: the coding page, an import, a bulk insert, a cascade.
After each write request has answered (`TalliesAfterWritesMiddleware`) and after each job,
`tallies_refresh_after_write` recounts just those interviews; each comparison still calls
`tallies_refresh` first, which only reads when nothing is queued and otherwise recounts what is
left, so the comparison sums tens of thousands of tally rows rather than a million tags and is
exact whoever recounted.

Why no change can be lost between a write and a recount (PostgreSQL; SQLite runs one writer at
a time): a writer's trigger does not merely insert the interview's queue row, it *updates* it
when present, which takes the row's lock until the writer commits. `tallies_refresh` claims
queue rows with `SELECT ... FOR UPDATE` and deletes exactly the rows it claimed. So either the
writer locked the row first, and the refresh waits for the writer's commit and then counts its
change; or the refresh claimed it first, and the writer's trigger waits until the refresh has
committed and deleted the row, then inserts a fresh one for the next refresh. (The first
design ignored a conflicting row: a write that landed while a refresh held the row was dropped
with it, and its interview was never queued again.)
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction

from ..chunks import chunked
from ..models import TallyQueue

QUEUE = "INSERT INTO coding_tallyqueue (interview_id)"
# Updating the conflicting row (to itself) locks it: see the module's docstring.
REQUEUE = "ON CONFLICT (interview_id) DO UPDATE SET interview_id = EXCLUDED.interview_id"

PG_TRIGGERS = [
    f"""CREATE OR REPLACE FUNCTION coding_tally_queue_tags() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            {QUEUE} SELECT DISTINCT e.interview_id FROM new_rows n
            JOIN coding_excerpt e ON e.id = n.excerpt_id ORDER BY 1 {REQUEUE};
        END IF;
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
            {QUEUE} SELECT DISTINCT e.interview_id FROM old_rows o
            JOIN coding_excerpt e ON e.id = o.excerpt_id ORDER BY 1 {REQUEUE};
        END IF;
        RETURN NULL;
    END $$""",
    f"""CREATE OR REPLACE FUNCTION coding_tally_queue_excerpts() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' THEN
            {QUEUE} SELECT interview_id FROM new_rows UNION SELECT interview_id FROM old_rows
            ORDER BY 1 {REQUEUE};
        ELSE
            {QUEUE} SELECT DISTINCT interview_id FROM old_rows ORDER BY 1 {REQUEUE};
        END IF;
        RETURN NULL;
    END $$""",
    f"""CREATE OR REPLACE FUNCTION coding_tally_queue_interview() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        {QUEUE} VALUES (NEW.id) {REQUEUE};
        RETURN NULL;
    END $$""",
    "DROP TRIGGER IF EXISTS coding_tally_tags_insert ON coding_excerptvalue",
    "CREATE TRIGGER coding_tally_tags_insert AFTER INSERT ON coding_excerptvalue "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION coding_tally_queue_tags()",
    "DROP TRIGGER IF EXISTS coding_tally_tags_update ON coding_excerptvalue",
    "CREATE TRIGGER coding_tally_tags_update AFTER UPDATE ON coding_excerptvalue "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION coding_tally_queue_tags()",
    "DROP TRIGGER IF EXISTS coding_tally_tags_delete ON coding_excerptvalue",
    "CREATE TRIGGER coding_tally_tags_delete AFTER DELETE ON coding_excerptvalue "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION coding_tally_queue_tags()",
    "DROP TRIGGER IF EXISTS coding_tally_excerpts_update ON coding_excerpt",
    "CREATE TRIGGER coding_tally_excerpts_update AFTER UPDATE ON coding_excerpt "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION coding_tally_queue_excerpts()",
    "DROP TRIGGER IF EXISTS coding_tally_excerpts_delete ON coding_excerpt",
    "CREATE TRIGGER coding_tally_excerpts_delete AFTER DELETE ON coding_excerpt "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION coding_tally_queue_excerpts()",
    "DROP TRIGGER IF EXISTS coding_tally_interview_text ON coding_interview",
    "CREATE TRIGGER coding_tally_interview_text AFTER UPDATE OF text ON coding_interview "
    "FOR EACH ROW WHEN (OLD.text IS DISTINCT FROM NEW.text) "
    "EXECUTE FUNCTION coding_tally_queue_interview()",
]
SQLITE_QUEUE = "INSERT OR IGNORE INTO coding_tallyqueue (interview_id)"
SQLITE_TRIGGERS = [
    "CREATE TRIGGER IF NOT EXISTS coding_tally_tags_insert AFTER INSERT ON coding_excerptvalue "
    f"BEGIN {SQLITE_QUEUE} SELECT interview_id FROM coding_excerpt WHERE id = NEW.excerpt_id; END",
    "CREATE TRIGGER IF NOT EXISTS coding_tally_tags_update AFTER UPDATE ON coding_excerptvalue "
    f"BEGIN {SQLITE_QUEUE} SELECT interview_id FROM coding_excerpt WHERE id = NEW.excerpt_id; "
    f"{SQLITE_QUEUE} SELECT interview_id FROM coding_excerpt WHERE id = OLD.excerpt_id; END",
    "CREATE TRIGGER IF NOT EXISTS coding_tally_tags_delete AFTER DELETE ON coding_excerptvalue "
    f"BEGIN {SQLITE_QUEUE} SELECT interview_id FROM coding_excerpt WHERE id = OLD.excerpt_id; END",
    "CREATE TRIGGER IF NOT EXISTS coding_tally_excerpts_update AFTER UPDATE ON coding_excerpt "
    f"BEGIN {SQLITE_QUEUE} VALUES (NEW.interview_id); "
    f"{SQLITE_QUEUE} VALUES (OLD.interview_id); END",
    "CREATE TRIGGER IF NOT EXISTS coding_tally_excerpts_delete AFTER DELETE ON coding_excerpt "
    f"BEGIN {SQLITE_QUEUE} VALUES (OLD.interview_id); END",
    "CREATE TRIGGER IF NOT EXISTS coding_tally_interview_text AFTER UPDATE OF text "
    "ON coding_interview WHEN OLD.text IS NOT NEW.text "
    f"BEGIN {SQLITE_QUEUE} VALUES (NEW.id); END",
]
TRIGGER_COUNT = 6


def _trigger_count(cursor: Any) -> int:
    return _state(cursor)[0]


def _state(cursor: Any) -> tuple[int, bool]:
    """How many of our triggers exist, and whether any interview waits for a recount (one read)."""
    if connection.vendor == "postgresql":
        triggers = (
            "SELECT COUNT(*) FROM pg_trigger WHERE tgname LIKE 'coding_tally_%' "
            "AND NOT tgisinternal"
        )
    else:
        triggers = (
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' "
            "AND name LIKE 'coding_tally_%'"
        )
    cursor.execute(f"SELECT ({triggers}), EXISTS (SELECT 1 FROM coding_tallyqueue)")
    count, queued = cursor.fetchone()
    return int(count), bool(queued)


def triggers_install(db: Any = None) -> None:
    """Create the queueing triggers (again) and queue every coded interview for a recount.

    Called by migration 0005, and by `tallies_refresh` if the triggers have gone: SQLite drops
    a table's triggers when a later migration rebuilds the table.
    """
    db = db or connection
    statements = PG_TRIGGERS if db.vendor == "postgresql" else SQLITE_TRIGGERS
    with db.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
        cursor.execute("DELETE FROM coding_tallyqueue")
        cursor.execute(f"{QUEUE} SELECT DISTINCT interview_id FROM coding_excerpt")


# Each interview's length is measured once (MATERIALIZED): joined as a plain subquery, the
# planner measured a long transcript again for every tag row, 0.45 s for one interview of 1,000
# excerpts on PostgreSQL.
RECOUNT_SQL = """
WITH t AS MATERIALIZED (SELECT id, LENGTH(text) AS n FROM coding_interview WHERE id IN ({ids}))
INSERT INTO coding_valuetally
    (interview_id, coder_id, value_id, excerpts, chars, first_excerpt, text_length,
     coders, value_coders, is_primary, is_first_row)
SELECT i_id, c_id, v_id, n, ch, fx, len,
       MAX(coder_rank) OVER (PARTITION BY i_id),
       COUNT(*) OVER (PARTITION BY i_id, v_id),
       MIN(fx) OVER (PARTITION BY i_id, c_id) = MIN(fx) OVER (PARTITION BY i_id),
       ROW_NUMBER() OVER (PARTITION BY i_id ORDER BY c_id, v_id) = 1
FROM (
    SELECT g.*, DENSE_RANK() OVER (PARTITION BY g.i_id ORDER BY g.c_id) AS coder_rank
    FROM (
        SELECT w.i_id, w.c_id, w.v_id, COUNT(*) AS n,
               SUM(CASE WHEN w.prev_e IS NULL OR w.s >= w.prev_e THEN w.e - w.s
                        WHEN w.e > w.prev_e THEN w.e - w.prev_e ELSE 0 END) AS ch,
               MIN(w.x_id) AS fx, MAX(t.n) AS len
        FROM (
            SELECT e.interview_id AS i_id, e.coder_id AS c_id, ev.value_id AS v_id,
                   e.id AS x_id, e.start AS s, e."end" AS e,
                   MAX(e."end") OVER (
                       PARTITION BY e.interview_id, e.coder_id, ev.value_id
                       ORDER BY e.start, e."end", e.id
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_e
            FROM coding_excerptvalue ev JOIN coding_excerpt e ON e.id = ev.excerpt_id
            WHERE e.interview_id IN ({ids}) AND NOT e.is_consensus
        ) w
        JOIN t ON t.id = w.i_id
        GROUP BY w.i_id, w.c_id, w.v_id
    ) g
) r
"""


def tallies_refresh(*, skip_locked: bool = False) -> int:
    """Recount the tallies of the queued interviews; return how many were recounted.

    With nothing queued it only reads (one query), so comparison pages read without writing.
    Readers call it plain: it waits for writers and other refreshes holding a queued row, so the
    tallies read next count every change committed before it began. After a write
    (`tallies_refresh_after_write`) it skips rows someone else holds: those stay queued for the
    next refresh, so skipping loses nothing and a writer never waits for another's recount.
    """
    with connection.cursor() as cursor:
        triggers, queued = _state(cursor)
    if triggers < TRIGGER_COUNT:
        triggers_install()
        queued = True
    if not queued:
        # A queue row a writer is still adding is not visible to the locking read below either:
        # committed changes are queued and seen here, exactly as they would be there.
        return 0
    done = 0
    with transaction.atomic():
        claimed = TallyQueue.objects.order_by("interview_id").select_for_update(
            skip_locked=skip_locked
        )
        ids = list(claimed.values_list("interview_id", flat=True))
        with connection.cursor() as cursor:
            for some in chunked(ids):
                chunk = [int(i) for i in some]
                placeholders = ", ".join(["%s"] * len(chunk))
                cursor.execute(
                    f"DELETE FROM coding_valuetally WHERE interview_id IN ({placeholders})", chunk
                )
                cursor.execute(RECOUNT_SQL.format(ids=placeholders), chunk + chunk)
                cursor.execute(
                    f"DELETE FROM coding_tallyqueue WHERE interview_id IN ({placeholders})", chunk
                )
                done += len(chunk)
    return done


def tallies_refresh_after_write() -> int:
    """Recount what a write queued, once it has committed, so the next reader finds nothing."""
    return tallies_refresh(skip_locked=True)
