"""Write every excerpt in scope, one row per excerpt and value, as CSV or XLSX (streamed)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ...exports import EXCERPT_HEADER, excerpt_rows, excerpt_sheets
from ._compare_options import add_filter_arguments, filter_form, write_export


class Command(BaseCommand):
    help = "Export the excerpts behind the comparison, one row per excerpt and value."

    def add_arguments(self, parser: CommandParser) -> None:
        add_filter_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        filters = filter_form(options).filters()
        write_export(
            self,
            options,
            what="excerpts",
            header=EXCERPT_HEADER,
            rows=excerpt_rows(filters),
            sheets=excerpt_sheets(filters),
            filters=filters,
        )
