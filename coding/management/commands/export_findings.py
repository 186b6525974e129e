"""`python manage.py export_findings --project SLUG [--format docx|html] [--easy] OUT`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.core.management.base import BaseCommand, CommandError
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from coding.analysis.exports import FINDINGS, export_audit
from coding.analysis.filters import Filters
from coding.findings.docx import pack_docx
from coding.findings.easy_read import SAID_LINE, easy_read
from coding.findings.pack import pack_build, pack_feedback, pack_with_quotes
from coding.findings.pack_models import ALL_PROJECTS
from coding.models import ResearchProject

FORMATS = ("docx", "html")
UNKNOWN_PROJECT = (
    "There is no project with the slug {slug!r}. Known projects: {known}. "
    "Use --project all for the pack across every project."
)


class Command(BaseCommand):
    help = (
        "Write the findings pack of a project (or of every project, --project all) as .docx or "
        "as one .html file, as it may be shared: small figures hidden, only consented quotes."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("out", help="The file to write.")
        parser.add_argument("--project", required=True, help="A project's slug, or all.")
        parser.add_argument("--format", choices=FORMATS, default="docx")
        parser.add_argument("--easy", action="store_true", help="The Easy Read version.")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        if not out.parent.is_dir():
            raise CommandError(f"The folder {out.parent} does not exist.")
        slug, fmt, easy = options["project"], options["format"], options["easy"]
        if slug == ALL_PROJECTS:
            project = None
            projects = list(ResearchProject.objects.order_by("name"))
        else:
            project = ResearchProject.objects.filter(slug=slug).first()
            if project is None:
                known = ", ".join(ResearchProject.objects.values_list("slug", flat=True)) or "none"
                raise CommandError(UNKNOWN_PROJECT.format(slug=slug, known=known))
            projects = [project]
        if not projects:
            raise CommandError("There are no projects yet, so there is no pack to write.")
        # A file leaves the app: built as it may be shared (viewer None, disclosure everywhere).
        content = pack_build(projects, viewer=None, scope=slug)
        content["feedback"] = pack_feedback(project)
        pack = pack_with_quotes(content)
        if fmt == "docx":
            out.write_bytes(pack_docx(pack, easy=easy))
        else:
            out.write_text(render_pack_html(pack, easy=easy), encoding="utf-8")
        export_audit(
            actor=None,
            what=FINDINGS,
            fmt=fmt,
            filters=Filters(
                project_ids=tuple(p.pk for p in projects),
                description=f"findings pack {slug}" + (" (Easy Read)" if easy else ""),
            ),
            command=True,
        )
        self.stdout.write(f"Wrote the findings pack of {slug} ({fmt}) to {out}.")


def render_pack_html(pack: dict[str, Any], *, easy: bool = False) -> str:
    """The pack as one self-contained HTML file (its styles inside, no links to a server)."""
    css_path = finders.find("coding/findings.css")
    css = Path(css_path).read_text(encoding="utf-8") if css_path else ""
    return render_to_string(
        "coding/findings/pack_file.html",
        {
            "pack": pack,
            "easy": easy,
            "css": mark_safe(css),  # our own stylesheet
            "chart": mark_safe(pack.get("chart_svg", "")),  # drawn and escaped by analysis.charts
            "easy_sections": easy_read(pack) if easy else [],
            "said_line": SAID_LINE,
        },
    )
