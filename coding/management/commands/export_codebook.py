"""`python manage.py export_codebook --project SLUG [--version N] OUT.qdc`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from coding.codebook_export import CodebookExportError, codebook_version_qdc, version_for
from coding.models import ResearchProject


class Command(BaseCommand):
    help = "Write one version of a project's codebook (the latest by default) as REFI-QDA .qdc."

    def add_base_argument(self, parser: Any, *args: Any, **kwargs: Any) -> None:
        # `--version` chooses the codebook's version here, not Django's version.
        if "--version" not in args:
            super().add_base_argument(parser, *args, **kwargs)

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("out", help="The file to write, ending in .qdc.")
        parser.add_argument("--project", required=True, help="Slug of the project.")
        parser.add_argument(
            "--version", type=int, dest="codebook_version", help="The version (default: latest)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        if out.suffix.lower() != ".qdc":
            raise CommandError("OUT must end in .qdc (a REFI-QDA codebook).")
        if not out.parent.is_dir():
            raise CommandError(f"The folder {out.parent} does not exist.")
        project = ResearchProject.objects.filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(f"There is no project with the slug {options['project']!r}.")
        try:
            version = version_for(project, options["codebook_version"])
        except CodebookExportError as exc:
            raise CommandError(str(exc)) from exc
        out.write_bytes(codebook_version_qdc(version=version))
        self.stdout.write(
            f"Wrote version {version.number} of the codebook of {project.slug} "
            f"({len(version.snapshot)} values) to {out}."
        )
