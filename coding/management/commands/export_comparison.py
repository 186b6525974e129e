"""Write the comparison table (every measure, values by projects) as CSV or XLSX."""

from __future__ import annotations

from typing import Any

from ...analysis.comparison import comparison_build
from ...analysis.exports import TABLE_HEADER, table_rows, table_sheets
from ._compare_options import ExportCommand


class Command(ExportCommand):
    help = "Export the comparison table of values by projects (the same file as the Compare page)."
    what = "table"

    def contents(self, filters: Any) -> tuple[list[str], Any, Any]:
        comparison = comparison_build(filters, with_chars=True)
        return TABLE_HEADER, table_rows(comparison), table_sheets(comparison)
