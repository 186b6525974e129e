"""The filter options and the writing shared by export_comparison and export_excerpts."""

from __future__ import annotations

import contextlib
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...analysis.compare_forms import GROUP_PREFIX, ComparisonForm, options_query
from ...analysis.exports import CSV, FORMATS, XLSX, csv_lines, export_audit, xlsx_file
from ...models import CodebookValue


class ExportCommand(BaseCommand):
    """A command that writes one comparison file under the filters given as options."""

    what = ""

    def add_arguments(self, parser: CommandParser) -> None:
        add_filter_arguments(parser)

    def contents(self, filters: Any) -> tuple[list[str], Any, Any]:
        """The header, the rows and the XLSX sheets of the file."""
        raise NotImplementedError

    def handle(self, *args: Any, **options: Any) -> None:
        filters = filter_form(options).filters()
        header, rows, sheets = self.contents(filters)
        write_export(
            self, options, what=self.what, header=header, rows=rows, sheets=sheets, filters=filters
        )


def add_filter_arguments(parser: CommandParser) -> None:
    parser.add_argument("--format", choices=sorted(FORMATS), default=CSV)
    parser.add_argument(
        "--output", "-o", help="File to write (CSV goes to standard output without it)."
    )
    parser.add_argument(
        "--project", action="append", help="Project slug (repeatable; default all)."
    )
    parser.add_argument("--role", action="append", help="Participant role (repeatable).")
    parser.add_argument("--mode", action="append", help="Interview mode (repeatable).")
    parser.add_argument("--date-from", dest="date_from", help="Interviews on or after YYYY-MM-DD.")
    parser.add_argument("--date-to", dest="date_to", help="Interviews on or before YYYY-MM-DD.")
    parser.add_argument("--attr", action="append", help="Participant attribute name=value.")
    parser.add_argument("--coder", action="append", help="Coder username (repeatable).")
    parser.add_argument("--rule", choices=["all", "one", "agreed"], default="all")
    parser.add_argument("--breakdown", help="role, mode or attr:<name>.")
    parser.add_argument(
        "--codebook-version",
        dest="codebook_version",
        type=int,
        help="Only the values shared in this version of every compared project's codebook.",
    )
    parser.add_argument(
        "--group",
        action="append",
        help="Count a project's own value as a framework value: VALUE=FRAMEWORK (slugs), "
        "such as trust=safety (repeatable).",
    )


def group_query(pairs: list[str]) -> dict[str, str]:
    """`--group trust=safety` as the form's fields: every project's own value of that slug."""
    fields: dict[str, str] = {}
    for pair in pairs:
        own, _, target = pair.partition("=")
        framework = CodebookValue.objects.filter(project__isnull=True, slug=target).first()
        values = CodebookValue.objects.filter(project__isnull=False, slug=own)
        if framework is None or not values.exists():
            raise CommandError(
                f"--group {pair}: write a project's own value and a framework value, by their "
                "short names (slugs), such as trust=safety."
            )
        for value in values:
            fields[f"{GROUP_PREFIX}{value.pk}"] = str(framework.pk)
    return fields


def filter_form(options: dict[str, Any]) -> ComparisonForm:
    query = options_query(options)
    if options.get("codebook_version"):
        query["codebook_version"] = str(options["codebook_version"])
    query.update(group_query(options.get("group") or []))
    form = ComparisonForm(query, user=None)
    if not form.is_valid():
        problems = "; ".join(
            f"--{name.replace('_', '-')}: {' '.join(errors)}"
            for name, errors in form.errors.items()
        )
        raise CommandError(f"Check the filters: {problems}")
    return form


def write_export(
    command: BaseCommand,
    options: dict[str, Any],
    *,
    what: str,
    header: list[str],
    rows: Any,
    sheets: Any,
    filters: Any,
) -> None:
    fmt = options["format"]
    output = options.get("output")
    if fmt == XLSX and not output:
        raise CommandError("XLSX needs --output FILE.")
    export_audit(actor=None, what=what, fmt=fmt, filters=filters, command=True)
    if fmt == XLSX:
        with xlsx_file(sheets) as handle, open(output, "wb") as out:
            while chunk := handle.read(1 << 20):
                out.write(chunk)
    else:
        target = (
            open(output, "w", encoding="utf-8", newline="")  # noqa: SIM115
            if output
            else contextlib.nullcontext(command.stdout)
        )
        with target as stream:
            for line in csv_lines(header, rows):
                stream.write(line)
    if output:
        command.stderr.write(f"Wrote {output}")
