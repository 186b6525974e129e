"""Importing interview batches: reader -> parser -> validator -> batched save.

`sources` opens a zip, folder or table safely and `manifest` reads its rows; `text` turns each
file into normalised text; `redaction` removes real names; `plan` checks every row (collecting
all problems); `report` is what was found and done; `services` saves a batch in one transaction
and rolls one back. The upload waits between preview and confirmation in `coding.uploads`.
"""

from .report import ImportReport
from .services import RollbackRefused, batch_import, batch_rollback

__all__ = ["ImportReport", "RollbackRefused", "batch_import", "batch_rollback"]
