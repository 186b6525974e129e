"""Write the comparison table (every measure, values by projects) as CSV or XLSX."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from ...analysis.comparison import comparison_build
from ...analysis.exports import TABLE_HEADER, table_rows, table_sheets
from ...analysis.measures import MEASURES, PAGE_MEASURE
from ._compare_options import ExportCommand


class Command(ExportCommand):
    help = "Export the comparison table of values by projects (the same file as the Compare page)."
    what = "table"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--measure",
            choices=sorted(MEASURES),
            default=PAGE_MEASURE,
            help="The measure whose test marks the figures that stand out (as on the page).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.measure = options["measure"]
        super().handle(*args, **options)

    def contents(self, filters: Any) -> tuple[list[str], Any, Any]:
        comparison = comparison_build(filters, self.measure, with_chars=True)
        return TABLE_HEADER, table_rows(comparison), table_sheets(comparison)
