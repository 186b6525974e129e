from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from coding.importing import batch_import
from coding.importing.report import CREATED, DUPLICATE, FAILED, READY


class Command(BaseCommand):
    help = (
        "Import a batch of interview transcripts: a .zip or folder with manifest.csv and the "
        "files, or a .csv/.xlsx with a text column. Prints one line per problem and exits "
        "non-zero when anything failed."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", help="The .zip, folder, manifest.csv or .csv/.xlsx table.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check everything and write nothing."
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Import the valid rows and report the others (default: all or nothing).",
        )
        parser.add_argument(
            "--names",
            type=Path,
            help="A UTF-8 file of names to remove from every transcript, one a line "
            "(Name or Name=Pseudonym).",
        )
        parser.add_argument("--user", help="The admin the batch is recorded against.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"There is no user called {options['user']!r}.")
        names = ""
        if options["names"]:
            try:
                names = options["names"].read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(f"The names file could not be read: {exc}") from exc
        report = batch_import(
            path=Path(options["path"]),
            user=user,
            names=names,
            dry_run=options["dry_run"],
            skip_invalid=options["skip_invalid"],
        )
        for problem in report.all_problems():
            stream = self.stderr if problem.is_error else self.stdout
            stream.write(problem.line(report.source))
        self.stdout.write(summary(report))
        if report.has_errors:
            raise CommandError(
                f"{report.error_count} problem(s) stopped rows from being imported.", returncode=1
            )


def summary(report: Any) -> str:
    if report.refused:
        return "Nothing was imported."
    counts = (
        f"{report.count(DUPLICATE)} already there and skipped, "
        f"{report.count(FAILED)} row(s) with errors, {report.warning_count} warning(s)"
    )
    if report.dry_run:
        return f"Dry run: {report.count(READY)} interview(s) would be created, {counts}."
    if report.batch is None:
        if report.has_errors:
            return f"Nothing was imported ({counts}). Fix the errors or use --skip-invalid."
        return f"Nothing new to import ({counts})."
    return f"Batch {report.batch.pk}: {report.count(CREATED)} interview(s) created, {counts}."
