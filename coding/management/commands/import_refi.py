"""`python manage.py import_refi FILE --project SLUG [--dry-run]`: import a .qdpx or .qdc."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from coding.interop.qde import RefiError
from coding.interop.refi_import import refi_import
from coding.interop.report import CREATE, IGNORE
from coding.models import CodebookValue, ResearchProject


class Command(BaseCommand):
    help = "Import a REFI-QDA project (.qdpx) or codebook (.qdc) into a research project."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="The .qdpx or .qdc file.")
        parser.add_argument("--project", required=True, help="Slug of the project to import into.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and report only; write nothing."
        )
        parser.add_argument(
            "--unmatched",
            choices=[CREATE, IGNORE],
            default=CREATE,
            help="What to do with codes whose name matches no value: create a value of the "
            "project (default) or ignore their codings.",
        )
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="CODE=VALUE",
            help="Map the code named CODE to the value with slug VALUE (or to 'create' or "
            "'ignore'); may be repeated.",
        )
        parser.add_argument(
            "--user",
            help="Record the import as this user's (and make them the coder of "
            "selections that name no user).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        project = ResearchProject.objects.filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(f"There is no project with the slug {options['project']!r}.")
        actor = None
        if options["user"]:
            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"There is no user {options['user']!r}.")
        names = self._names(options["map"], project)
        try:
            with path.open("rb") as handle:
                # A first pass only to learn the codes' GUIDs for the --map names.
                mapping = {}
                if names:
                    preview = refi_import(
                        file=handle, filename=path.name, project=project, dry_run=True
                    )
                    mapping = {
                        row.guid: names[row.name.casefold()]
                        for row in preview.codes
                        if row.name.casefold() in names
                    }
                    handle.seek(0)
                report = refi_import(
                    file=handle,
                    filename=path.name,
                    project=project,
                    actor=actor,
                    mapping=mapping,
                    unmatched=options["unmatched"],
                    dry_run=options["dry_run"],
                )
        except RefiError as exc:
            raise CommandError("\n".join(["Nothing was imported:", *exc.messages])) from exc
        for line in report.lines():
            self.stdout.write(line)

    def _names(self, pairs: list[str], project: ResearchProject) -> dict[str, str]:
        values = {v.slug: v for v in CodebookValue.objects.for_project(project)}
        names: dict[str, str] = {}
        for pair in pairs:
            code, sep, target = pair.rpartition("=")
            if not sep or not code:
                raise CommandError(f"--map takes CODE=VALUE, not {pair!r}.")
            if target in (CREATE, IGNORE):
                names[code.casefold()] = target
            elif target in values:
                names[code.casefold()] = f"value:{values[target].pk}"
            else:
                raise CommandError(f"Project {project.slug} has no value with the slug {target!r}.")
        return names
