"""`python manage.py export_refi OUT.qdpx [--project SLUG]`: export as REFI-QDA."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from coding.interop.refi_export import refi_export, refi_export_codebook
from coding.models import ResearchProject


class Command(BaseCommand):
    help = (
        "Export a research project (or all of them) as a REFI-QDA project (.qdpx), or the "
        "codebook alone when OUT ends in .qdc."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "out", help="The file to write: NAME.qdpx, or NAME.qdc for the codebook."
        )
        parser.add_argument("--project", help="Slug of the project; all projects without it.")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        if out.suffix.lower() not in (".qdpx", ".qdc"):
            raise CommandError("OUT must end in .qdpx (a project) or .qdc (the codebook).")
        if not out.parent.is_dir():
            raise CommandError(f"The folder {out.parent} does not exist.")
        project = None
        if options["project"]:
            project = ResearchProject.objects.filter(slug=options["project"]).first()
            if project is None:
                raise CommandError(f"There is no project with the slug {options['project']!r}.")
        if out.suffix.lower() == ".qdc":
            out.write_bytes(refi_export_codebook(project=project))
            self.stdout.write(f"Wrote the codebook to {out}.")
            return
        # Written beside the target and renamed, so a failed export leaves no half-written file.
        partial = out.with_name(out.name + ".part")
        try:
            with partial.open("wb") as handle:
                summary = refi_export(projects=[project] if project else None, out=handle)
            partial.replace(out)
        finally:
            partial.unlink(missing_ok=True)
        self.stdout.write(
            f"Wrote {out}: {summary.interviews} interviews, {summary.excerpts} excerpts, "
            f"{summary.codings} codings, {summary.values} values."
        )
