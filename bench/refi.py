"""Benchmark: import and export a REFI-QDA project of 5 MB with 5,000 codings.

Usage (PostgreSQL; the database is created and emptied by the script):

    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/pv_bench_refi \
        .venv/bin/python bench/refi.py [--size-mb 5] [--codings 5000] [--runs 3]

It writes a .qdpx as another tool would (project.qde plus one plain text file per source under
sources/, half of them with Windows line endings and trailing spaces so that offsets go through
the normalisation map), 3 coders, a codebook of 40 codes of which 6 match the framework values,
and cases with attributes. It then times, each in this process and on a fresh project:
the dry run (the preview an admin sees), the import, and the export of the imported project.
Targets from the issue: import under 10 s, export under 5 s.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import tempfile
import time
import uuid
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from _setup import database_create, migrate, postgres_url, setup_django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/pv_bench_refi"
SOURCES = 60
CODERS = ("Robin Coder", "Sam Analyst", "Kit Reviewer")
FRAMEWORK = (
    "Experience in common",
    "Safety",
    "Choice and control",
    "Two-way interactions",
    "Human connection",
    "Freedom to be oneself",
)


def reset_database() -> None:
    database_create(postgres_url(DEFAULT_DB))
    migrate()


def vocabulary(rng: random.Random) -> list[str]:
    syllables = [a + b for a in "bcdfghklmnprstvwz" for b in "aeiouy"]
    return ["".join(rng.choice(syllables) for _ in range(rng.randint(1, 4))) for _ in range(6000)]


def transcript(rng: random.Random, words: list[str], length: int, windows: bool) -> str:
    lines, count, turn = [], 0, 0
    while count < length:
        speaker = "Interviewer" if turn % 2 == 0 else "Participant"
        n = rng.randint(8, 70)
        lines.append(f"{speaker}: " + " ".join(rng.choice(words) for _ in range(n)) + ".")
        count += n
        turn += 1
    if windows:  # another tool's text as saved on Windows: CRLF and trailing spaces
        return "\r\n".join(line + ("  " if i % 3 == 0 else "") for i, line in enumerate(lines))
    return "\n".join(lines)


def make_package(size_mb: float, codings: int, seed: int = 7) -> tuple[bytes, dict[str, int]]:
    rng = random.Random(seed)
    words = vocabulary(rng)
    g = lambda: str(uuid.UUID(int=rng.getrandbits(128), version=4))  # noqa: E731
    users = {name: g() for name in CODERS}
    codes = [(g(), name) for name in FRAMEWORK] + [(g(), f"Theme {i:02d}") for i in range(34)]
    attr_age, attr_gender = g(), g()
    # Words per source so that the zipped package comes out near the size asked for.
    per_source = int(size_mb * 1024 * 1024 * 0.87 / SOURCES / 2.5)
    texts = [transcript(rng, words, per_source, windows=i % 2 == 0) for i in range(SOURCES)]
    source_guids = [g() for _ in range(SOURCES)]

    parts = ['<?xml version="1.0" encoding="utf-8"?>']
    parts.append('<Project xmlns="urn:QDA-XML:project:1.0" name="Bench" origin="bench">')
    parts.append(
        "<Users>"
        + "".join(f"<User guid={quoteattr(u)} name={quoteattr(n)}/>" for n, u in users.items())
        + "</Users>"
    )
    parts.append("<CodeBook><Codes>")
    for c, n in codes:
        colour = f"#{rng.randrange(16**6):06x}"
        parts.append(f'<Code guid="{c}" name={quoteattr(n)} isCodable="true" color="{colour}"/>')
    parts.append("</Codes></CodeBook>")
    parts.append(
        f'<Variables><Variable guid="{attr_age}" name="age band" typeOfVariable="Text"/>'
        f'<Variable guid="{attr_gender}" name="gender" typeOfVariable="Text"/></Variables>'
    )
    parts.append("<Cases>")
    for i, source in enumerate(source_guids):
        age = rng.choice(["18-24", "25-34", "35-49", "50-64"])
        gender = rng.choice(["woman", "man", "non-binary"])
        parts.append(
            f'<Case guid="{g()}" name="P{i:03d}">'
            f'<VariableValue><VariableRef targetGUID="{attr_age}"/>'
            f"<TextValue>{age}</TextValue></VariableValue>"
            f'<VariableValue><VariableRef targetGUID="{attr_gender}"/>'
            f"<TextValue>{gender}</TextValue></VariableValue>"
            f'<SourceRef targetGUID="{source}"/></Case>'
        )
    parts.append("</Cases><Sources>")
    written = 0
    selections = 0
    per_source_codings = codings // SOURCES
    for i, (guid, text) in enumerate(zip(source_guids, texts, strict=True)):
        parts.append(
            f'<TextSource guid="{guid}" name="Interview {i:03d}.docx" '
            f'plainTextPath="internal://{guid}.txt">'
        )
        budget = per_source_codings + (codings % SOURCES if i == SOURCES - 1 else 0)
        while budget > 0:
            start = rng.randrange(0, len(text) - 400)
            end = start + rng.randint(20, 390)
            user = rng.choice(list(users.values()))
            n = min(budget, rng.choice((1, 1, 2)))
            name = quoteattr(escape(text[start : start + 30]))
            parts.append(
                f'<PlainTextSelection guid="{g()}" name={name} startPosition="{start}" '
                f'endPosition="{end}" creatingUser="{user}">'
            )
            for code, _ in rng.sample(codes, n):
                ref = f'<CodeRef targetGUID="{code}"/>'
                parts.append(f'<Coding guid="{g()}" creatingUser="{user}">{ref}</Coding>')
            parts.append("</PlainTextSelection>")
            budget -= n
            written += n
            selections += 1
        parts.append("</TextSource>")
    parts.append("</Sources></Project>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", "".join(parts))
        for guid, text in zip(source_guids, texts, strict=True):
            archive.writestr(f"sources/{guid}.txt", text.encode("utf-8"))
    facts = {
        "sources": SOURCES,
        "selections": selections,
        "codings": written,
        "text_chars": sum(map(len, texts)),
    }
    return buffer.getvalue(), facts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mb", type=float, default=5.0)
    parser.add_argument("--codings", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    reset_database()
    setup_django()
    from django.db import connection

    from coding.interop.refi_export import refi_export
    from coding.interop.refi_import import refi_import
    from coding.models import ResearchProject

    started = time.perf_counter()
    package, facts = make_package(args.size_mb, args.codings)
    print(
        f"Package: {len(package) / 2**20:.2f} MB zipped, {facts['sources']} sources, "
        f"{facts['text_chars'] / 2**20:.1f} M characters of text, {facts['selections']} "
        f"selections, {facts['codings']} codings (made in {time.perf_counter() - started:.1f} s)"
    )
    print(f"Database: {connection.vendor} {connection.settings_dict['NAME']}")
    timings: dict[str, list[float]] = {"dry run": [], "import": [], "export": []}
    for run in range(args.runs):
        project = ResearchProject.objects.create(slug=f"bench-{run}", name=f"Bench {run}")
        started = time.perf_counter()
        report = refi_import(
            file=io.BytesIO(package), filename="bench.qdpx", project=project, dry_run=True
        )
        timings["dry run"].append(time.perf_counter() - started)
        started = time.perf_counter()
        report = refi_import(file=io.BytesIO(package), filename="bench.qdpx", project=project)
        timings["import"].append(time.perf_counter() - started)
        assert report.counts["codings_imported"] == facts["codings"], report.counts
        with tempfile.TemporaryFile() as out:
            started = time.perf_counter()
            summary = refi_export(projects=[project], out=out)
            timings["export"].append(time.perf_counter() - started)
            size = out.tell()
        print(
            f"run {run + 1}: dry run {timings['dry run'][-1]:.2f} s, import "
            f"{timings['import'][-1]:.2f} s ({report.counts['excerpts_created']} excerpts, "
            f"{report.counts['codings_imported']} codings), export {timings['export'][-1]:.2f} s "
            f"({summary.codings} codings, {size / 2**20:.2f} MB)"
        )
    for name, values in timings.items():
        print(f"{name}: median {statistics.median(values):.2f} s, worst {max(values):.2f} s")


if __name__ == "__main__":
    main()
