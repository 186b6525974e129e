"""Benchmark: import 1,000 transcripts of about 8,000 words each, dry run and real run.

Usage (PostgreSQL; the database is created and emptied by the script):

    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/pv_bench_importing \
        .venv/bin/python bench/import_batch.py [--count 1000] [--words 8000]

The batch is a realistic mix, zipped as an admin would upload it: 70% UTF-8 text, 10%
Windows-1252, 5% UTF-16 and 15% Word documents, with a names column to redact. Each phase
runs in a fresh process that reports its own wall time and peak memory (maximum resident set).
Targets from the issue: import under 60 s and 500 MB, dry run under 20 s.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from _setup import database_create, migrate, postgres_url, setup_django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORDS = [
    "group",
    "safe",
    "people",
    "felt",
    "listened",
    "peer",
    "support",
    "week",
    "talk",
    "tea",
    "choose",
    "share",
    "trust",
    "experience",
    "understood",
    "alone",
    "together",
    "facilitator",
    "space",
    "welcome",
    "again",
    "difficult",
    "helped",
    "café",
    "naïve",
    "chose",
    "could",
    "would",
    "really",
    "mostly",
    "online",
    "phone",
    "meet",
]


def transcript(rng: random.Random, words: int, n: int) -> str:
    lines, count, turn = [f"Interview {n}"], 0, 0
    while count < words:
        speaker = "Interviewer" if turn % 2 == 0 else "Participant"
        length = rng.randint(8, 60)
        body = " ".join(rng.choice(WORDS) for _ in range(length))
        if turn % 7 == 3:
            body += " Sarah Jones said so."
        lines.append(f"[00:{turn // 60 % 60:02d}:{turn % 60:02d}] {speaker}: {body.capitalize()}.")
        count += length + 1
        turn += 1
    return "\n".join(lines)


def docx_maker() -> tuple[dict[str, bytes], str]:
    """A Word document skeleton written by python-docx; only its body changes per file."""
    from docx import Document

    buffer = io.BytesIO()
    Document().save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    document = parts["word/document.xml"].decode()
    return parts, document


def docx_bytes(parts: dict[str, bytes], document: str, text: str) -> bytes:
    from xml.sax.saxutils import escape

    body = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{escape(line)}</w:t></w:r></w:p>'
        for line in text.split("\n")
    )
    xml = document.replace("<w:body>", "<w:body>" + body, 1)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, xml.encode() if name == "word/document.xml" else data)
    return out.getvalue()


def make_batch(path: Path, count: int, words: int) -> dict[str, float]:
    rng = random.Random(42)
    parts, document = docx_maker()
    rows = ["file,project,participant,participant_role,interview_date,interviewer,mode,redact,Age"]
    total_words = 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for n in range(count):
            text = transcript(rng, words, n)
            total_words += len(text.split())
            kind = n % 20
            if kind < 14:
                name, data = f"t{n:04d}.txt", text.encode("utf-8")
            elif kind < 16:
                name, data = f"t{n:04d}.txt", text.encode("cp1252")
            elif kind < 17:
                name, data = f"t{n:04d}.txt", text.encode("utf-16")
            else:
                name, data = f"t{n:04d}.docx", docx_bytes(parts, document, text)
            archive.writestr(name, data)
            rows.append(
                f"{name},bench,P{n:04d},participant,2024-03-{n % 28 + 1:02d},Amira,"
                f"{['in person', 'phone', 'online'][n % 3]},Sarah Jones=Rose,{n % 5}"
            )
        archive.writestr("manifest.csv", "\n".join(rows) + "\n")
    return {"words_per_transcript": total_words / count, "zip_mb": path.stat().st_size / 2**20}


def run_phase(phase: str, path: Path) -> None:
    """Run one phase in this process and print its figures as JSON."""
    setup_django()
    from coding.importing import batch_import

    started = time.perf_counter()
    report = batch_import(path=path, dry_run=phase == "dry-run")
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "phase": phase,
                "seconds": round(elapsed, 2),
                "peak_mb": round(peak_mb, 1),
                "created": report.count("created"),
                "ready": report.count("ready"),
                "errors": report.error_count,
            }
        )
    )


def reset_database() -> None:
    database_create(postgres_url(os.environ.get("DATABASE_URL", "")))
    migrate()
    setup_django()
    from coding.models import ResearchProject

    ResearchProject.objects.create(slug="bench", name="Bench")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--words", type=int, default=8000)
    parser.add_argument("--phase", choices=["dry-run", "import"], help=argparse.SUPPRESS)
    parser.add_argument("--path", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        run_phase(args.phase, args.path)
        return
    reset_database()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "batch.zip"
        started = time.perf_counter()
        facts = make_batch(path, args.count, args.words)
        print(
            f"batch: {args.count} transcripts, {facts['words_per_transcript']:.0f} words each, "
            f"zip {facts['zip_mb']:.1f} MB (made in {time.perf_counter() - started:.1f} s)"
        )
        for phase in ("dry-run", "import"):
            result = subprocess.run(
                [sys.executable, __file__, "--phase", phase, "--path", str(path)],
                cwd=ROOT,
                check=True,
                capture_output=True,
                text=True,
            )
            figures = json.loads(result.stdout.strip().splitlines()[-1])
            print(
                f"{phase:8} {figures['seconds']:6.1f} s   peak {figures['peak_mb']:6.1f} MB   "
                f"ready {figures['ready']}  created {figures['created']}  "
                f"errors {figures['errors']}"
            )


if __name__ == "__main__":
    main()
