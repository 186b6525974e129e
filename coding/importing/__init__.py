"""Importing interview batches: reader -> parser -> validator -> batched save.

`readers` opens a zip, folder or table safely and reads its manifest; `text` turns each file
into normalised text; `redaction` removes real names; `pipeline` plans every row (collecting
all problems) and saves a batch in one transaction; `staging` keeps an upload between the
preview and the confirmation.
"""

from .pipeline import ImportReport, RollbackRefused, batch_import, batch_rollback

__all__ = ["ImportReport", "RollbackRefused", "batch_import", "batch_rollback"]
