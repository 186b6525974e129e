"""Export everything needed to rebuild the database into one compressed JSON file.

Restore into a freshly migrated, otherwise empty database with
`python manage.py migrate && python manage.py loaddata OUT.json.gz`.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from coding.audit import audit_record
from coding.models import AuditEvent

# Users and groups, and the whole coding app (which holds the audit trail). Left out: content
# types and permissions (migrate recreates them; users and groups point at them by natural key),
# sessions and sign-in lock-outs (short-lived), and Django's admin log (the audit trail is the
# record that matters).
INCLUDED = ["auth.user", "auth.group", "coding"]

BAD_NAME = "Name the backup file so it ends in .json.gz (for example backup-2025-01-31.json.gz)."
NO_FOLDER = "The folder {folder} does not exist. Create it first or choose another place."
SENSITIVE = (
    "This file holds every transcript and account: keep it somewhere only admins can read, "
    "and destroy old backups on schedule (they still hold withdrawn participants)."
)


class Command(BaseCommand):
    help = (
        "Back up users, groups and all research data to a .json.gz file. Restore with "
        "`manage.py migrate && manage.py loaddata FILE` into an empty database."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("output", help="The file to write, ending in .json.gz.")

    def handle(self, *args: Any, **options: Any) -> None:
        output = Path(options["output"])
        if not output.name.endswith(".json.gz"):
            raise CommandError(BAD_NAME)
        if not output.parent.is_dir():
            raise CommandError(NO_FOLDER.format(folder=output.parent))
        # Written beside the target and renamed at the end, so a failed run never leaves half a
        # backup under the real name; only the owner may read it (it holds sensitive data).
        fd, temp_name = tempfile.mkstemp(prefix=".backup-", suffix=".json.gz", dir=output.parent)
        os.close(fd)
        try:
            os.chmod(temp_name, 0o600)
            call_command(
                "dumpdata",
                *INCLUDED,
                natural_foreign=True,
                output=temp_name,
                verbosity=0,
            )
            os.replace(temp_name, output)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
        counts = ", ".join(
            f"{model._default_manager.count()} {model._meta.verbose_name_plural}"
            for model in self._models()
        )
        # A backup is an export of everything: the trail says when one was taken, and where.
        audit_record(
            actor=None,
            action=AuditEvent.Action.EXPORT,
            model="backup",
            object_repr=str(output)[:255],
            after={"file": output.name},
        )
        self.stdout.write(self.style.SUCCESS(f"Backed up to {output}: {counts}."))
        self.stdout.write(self.style.WARNING(SENSITIVE))

    def _models(self) -> list[Any]:
        found = []
        for label in INCLUDED:
            if "." in label:
                found.append(apps.get_model(label))
            else:
                found += list(apps.get_app_config(label).get_models())
        return found
