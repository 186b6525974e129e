"""Write every excerpt in scope, one row per excerpt and value, as CSV or XLSX (streamed)."""

from __future__ import annotations

from typing import Any

from ...analysis.exports import EXCERPT_HEADER, excerpt_rows, excerpt_sheets
from ._compare_options import ExportCommand


class Command(ExportCommand):
    help = "Export the excerpts behind the comparison, one row per excerpt and value."
    what = "excerpts"

    def contents(self, filters: Any) -> tuple[list[str], Any, Any]:
        return EXCERPT_HEADER, excerpt_rows(filters), excerpt_sheets(filters)
