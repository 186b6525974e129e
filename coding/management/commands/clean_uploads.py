"""Delete uploads whose preview was never confirmed once they are older than UPLOADS_MAX_AGE.

Run it from a scheduler (cron, a systemd timer, or the background-jobs queue, which calls
`coding.uploads.uploads_purge` directly): expired uploads are refused anyway, this frees the space
and removes their files.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from coding.uploads import uploads_purge


class Command(BaseCommand):
    help = "Delete uploads (batch and REFI-QDA imports) whose preview has expired."

    def handle(self, *args: Any, **options: Any) -> None:
        removed = uploads_purge()
        if not removed:
            self.stdout.write("No expired uploads.")
        else:
            noun = "upload" if removed == 1 else "uploads"
            self.stdout.write(f"{removed} expired {noun} removed.")
