"""Write the comparison table (every measure, values by projects) as CSV or XLSX."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ...analysis.comparison import comparison_build
from ...exports import TABLE_HEADER, table_rows, table_sheets
from ._compare_options import add_filter_arguments, filter_form, write_export


class Command(BaseCommand):
    help = "Export the comparison table of values by projects (the same file as the Compare page)."

    def add_arguments(self, parser: CommandParser) -> None:
        add_filter_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        filters = filter_form(options).filters()
        comparison = comparison_build(filters, with_chars=True)
        write_export(
            self,
            options,
            what="table",
            header=TABLE_HEADER,
            rows=table_rows(comparison),
            sheets=table_sheets(comparison),
            filters=filters,
        )
