from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from coding.demo import DEMO_ADMIN, DEMO_EVALUATOR, demo_seed
from coding.demo.passwords import passwords_read, passwords_write
from coding.models import ResearchProject
from coding.wording import counted

REAL_PROJECTS = "This database holds real projects: no demo data was added."
DATA_CREATED = "Demo data created: {interviews} and {excerpts} ({seconds:.1f} s)."
DATA_KEPT = "The demo data was already there: nothing was added."
PASSWORDS_SET = "Demo logins (saved in {path}, readable only by you):"
PASSWORDS_GIVEN = "Demo logins (with the password given):"
PASSWORDS_KEPT = (
    "Demo passwords are unchanged: they are in {path}. "
    "For new ones: python manage.py seed_demo --reset-passwords"
)
PASSWORDS_KEPT_ELSEWHERE = (
    "The demo users keep the passwords set earlier, which {path} does not hold. "
    "For new ones: python manage.py seed_demo --reset-passwords"
)


def role_of(username: str) -> str:
    if username == DEMO_ADMIN:
        return "admin"
    return "evaluator" if username == DEMO_EVALUATOR else "peer researcher"


class Command(BaseCommand):
    help = (
        "Create the synthetic demo data (idempotent). Demo users get a password once, kept in "
        "DEMO_PASSWORDS_FILE; --reset-passwords makes new ones."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--password",
            help="Give every demo user this password instead of a random one (for scripts).",
        )
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="Give the demo users new random passwords (saved in DEMO_PASSWORDS_FILE).",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already holds projects other than the demo's.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and ResearchProject.objects.filter(is_synthetic=False).exists():
            self.stdout.write(REAL_PROJECTS)
            return
        path = Path(settings.DEMO_PASSWORDS_FILE)
        started = time.perf_counter()
        result = demo_seed(password=options["password"], reset_passwords=options["reset_passwords"])
        elapsed = time.perf_counter() - started
        if result.created_interviews:
            interviews = counted(result.created_interviews, "interview")
            excerpts = counted(result.created_excerpts, "excerpt")
            self.stdout.write(
                DATA_CREATED.format(interviews=interviews, excerpts=excerpts, seconds=elapsed)
            )
        else:
            self.stdout.write(DATA_KEPT)
        if not result.passwords:
            kept = PASSWORDS_KEPT if passwords_read(path) else PASSWORDS_KEPT_ELSEWHERE
            self.stdout.write(kept.format(path=path))
            return
        if options["password"]:
            self.stdout.write(PASSWORDS_GIVEN)
        else:
            roles = {name: role_of(name) for name in result.passwords}
            passwords_write(path, result.passwords, roles)
            self.stdout.write(PASSWORDS_SET.format(path=path))
        for username, password in result.passwords.items():
            self.stdout.write(f"  {username:<8} {password:<16} ({role_of(username)})")
