"""python manage.py seed_demo --employees N --seed S"""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jixiao.appeals.demo import appeals_seed_demo
from jixiao.calibration.demo import calibration_seed_demo
from jixiao.conversations.demo import conversations_seed_demo
from jixiao.goals.demo import goals_seed_demo
from jixiao.org.demo import company_seed_demo
from jixiao.org.models import Employee
from jixiao.reviews.demo import reviews_seed_demo

LOGINS = (
    ("admin", "administrator"),
    ("hr", "HR for the whole company"),
    ("ceo", "chief executive, executive analytics"),
    ("manager", "East China sales manager"),
    ("employee", "reports to manager"),
)


class Command(BaseCommand):
    help = "Build the deterministic demo company 星辰科技 and the demo logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--employees", type=int, default=300)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when people already exist.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.JIXIAO_DEMO_MODE:
            raise CommandError("seed_demo runs only in demo mode; it creates users with the published password.")
        if Employee.objects.exists():
            if options["if_empty"]:
                self.stdout.write("Demo company already present; keeping its data.")
                return
            raise CommandError("The organisation is not empty; seed_demo only fills an empty database.")
        result = company_seed_demo(employees=options["employees"], seed=options["seed"])
        self.stdout.write(f"Seeded {result.employees} employees in {result.departments} departments.")
        goals = goals_seed_demo(seed=options["seed"])
        if goals is not None:
            self.stdout.write(
                f"Seeded {goals.objectives} objectives, {goals.kpi_targets} KPI targets and {goals.actuals} actuals."
            )
        reviews = reviews_seed_demo(seed=options["seed"])
        if reviews is not None:
            self.stdout.write(
                f"Seeded {reviews.cycles} review cycles with {reviews.reviews} reviews: {reviews.states}."
            )
        calibration = calibration_seed_demo(seed=options["seed"])
        if calibration is not None:
            self.stdout.write(
                f"Seeded {calibration.sessions} calibration session with {calibration.members} people "
                f"and {calibration.moves} moved ratings."
            )
        appeals = appeals_seed_demo()
        if appeals is not None:
            self.stdout.write(f"Seeded {appeals.appeals} appeals ({appeals.open} open).")
        conversations = conversations_seed_demo(seed=options["seed"])
        if conversations is not None:
            self.stdout.write(
                f"Seeded {conversations.feedback} pieces of feedback, {conversations.meetings} 1:1 meetings, "
                f"{conversations.improvement_plans} improvement plan and {conversations.development_plans} "
                "development plans."
            )
        self.stdout.write(f"Demo logins (password {settings.DEMO_PASSWORD}):")
        for username, role in LOGINS:
            self.stdout.write(f"  {username:<9} {role}")
