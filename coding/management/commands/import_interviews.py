from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from coding.importing import batch_import
from coding.importing.report import CREATED, DUPLICATE, FAILED, READY, PseudonymChoices
from coding.wording import counted

# A row whose pseudonym is already a participant's waits for the admin's word, as on the
# preview page: the same person, or a new participant with a pseudonym of its own.
CHOICE_NEEDED = (
    "Row {row}: {pseudonym} is already a participant of {project} ({interviews}). If this is "
    "the same person, add --same-person {pseudonym}; if it is someone else, add "
    "--new-participant {pseudonym}=NEW-PSEUDONYM."
)
UNDECIDED = (
    "Nothing was imported: {rows} name an existing participant and need a choice "
    "(--same-person, --new-participant or --same-person-all)."
)
BAD_NEW_PARTICIPANT = "--new-participant needs PSEUDONYM=NEW-PSEUDONYM, both given (not {value!r})."
BOTH_CHOICES = "{pseudonym} is named both as the same person and as a new participant."
NOT_NEEDED = (
    "Warning: no row adds to an existing participant called {pseudonym}, so the choice for "
    "{pseudonym} was not used."
)


def pseudonym_choices(options: dict[str, Any]) -> PseudonymChoices:
    """The per-batch choices given on the command line, checked."""
    same = {name.strip() for value in options["same_person"] for name in value.split(",")} - {""}
    new: dict[str, str] = {}
    for value in options["new_participant"]:
        old, sep, fresh = value.partition("=")
        old, fresh = " ".join(old.split()), " ".join(fresh.split())
        if not sep or not old or not fresh:
            raise CommandError(BAD_NEW_PARTICIPANT.format(value=value))
        new[old] = fresh
    for pseudonym in sorted(same & set(new)):
        raise CommandError(BOTH_CHOICES.format(pseudonym=pseudonym))
    return PseudonymChoices(same=frozenset(same), new=new, all_same=options["same_person_all"])


class Command(BaseCommand):
    help = (
        "Import a batch of interview transcripts: a .zip or folder with manifest.csv and the "
        "files, or a .csv/.xlsx with a text column. Prints one line per problem and exits "
        "non-zero when anything failed. A row whose pseudonym is already a participant's is "
        "imported only when you say who it is (--same-person, --new-participant)."
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
        parser.add_argument(
            "--same-person",
            action="append",
            default=[],
            metavar="PSEUDONYM[,PSEUDONYM...]",
            help="Rows with these pseudonyms add interviews to the participants already there.",
        )
        parser.add_argument(
            "--new-participant",
            action="append",
            default=[],
            metavar="PSEUDONYM=NEW-PSEUDONYM",
            help="Rows with this pseudonym are someone else: a new participant with the new "
            "pseudonym (repeat for several).",
        )
        parser.add_argument(
            "--same-person-all",
            action="store_true",
            help="Every row whose pseudonym is already a participant's is that person.",
        )

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
        choices = pseudonym_choices(options)
        report = batch_import(
            path=Path(options["path"]),
            user=user,
            names=names,
            dry_run=options["dry_run"],
            skip_invalid=options["skip_invalid"],
            pseudonym_choices=choices,
        )
        for problem in report.all_problems():
            stream = self.stderr if problem.is_error else self.stdout
            stream.write(problem.line(report.source))
        undecided = report.undecided_rows()
        for row in undecided:
            self.stderr.write(
                CHOICE_NEEDED.format(
                    row=row.number,
                    pseudonym=row.pseudonym,
                    project=row.project,
                    interviews=counted(row.participant_interviews, "interview"),
                )
            )
        asked = choices.same | set(choices.new)
        used = {r.pseudonym for r in report.rows if r.participant_existing}
        used |= {r.renamed_from for r in report.rows}
        for pseudonym in sorted(asked - used):
            self.stdout.write(NOT_NEEDED.format(pseudonym=pseudonym))
        self.stdout.write(summary(report, undecided=len(undecided)))
        if report.has_errors or undecided:
            stopped = report.error_count + len(undecided)
            raise CommandError(
                f"{counted(stopped, 'problem')} stopped rows from being imported.", returncode=1
            )


def summary(report: Any, *, undecided: int = 0) -> str:
    if report.refused:
        return "Nothing was imported."
    if undecided and not report.dry_run:
        return UNDECIDED.format(rows=counted(undecided, "row"))
    counts = (
        f"{report.count(DUPLICATE)} already there and skipped, "
        f"{counted(report.count(FAILED), 'row')} with errors, "
        f"{counted(report.warning_count, 'warning')}"
    )
    if report.dry_run:
        ready = counted(report.count(READY), "interview")
        return f"Dry run: {ready} would be created, {counts}."
    if report.batch is None:
        if report.has_errors:
            return f"Nothing was imported ({counts}). Fix the errors or use --skip-invalid."
        return f"Nothing new to import ({counts})."
    created = counted(report.count(CREATED), "interview")
    return f"Batch {report.batch.pk}: {created} created, {counts}."
