from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from coding.demo import demo_seed
from coding.models import ResearchProject


class Command(BaseCommand):
    help = (
        "Create the synthetic demo data (idempotent) and print fresh passwords for the demo users."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--password",
            help="Give every demo user this password instead of a random one (for scripts).",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already holds projects other than the demo's.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and ResearchProject.objects.filter(is_synthetic=False).exists():
            self.stdout.write("This database holds real projects: no demo data was added.")
            return
        started = time.perf_counter()
        result = demo_seed(password=options["password"])
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"Demo data: {result.created_interviews} interviews and {result.created_excerpts} "
            f"excerpts created ({elapsed:.1f} s). Existing demo data was kept."
        )
        if options["password"]:
            self.stdout.write("Demo logins (with the password given):")
        else:
            self.stdout.write("Demo logins (passwords are new each time this command runs):")
        roles = {"admin": "admin", "amira": "peer researcher", "ben": "peer researcher"}
        for username, password in result.passwords.items():
            role = roles.get(username, "evaluator")
            self.stdout.write(f"  {username:<8} {password:<16} ({role})")
