"""Escalate appeals past their answer date: run daily from cron or a systemd timer (decision 0011)."""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jixiao.appeals.selectors import company_today
from jixiao.appeals.services import appeals_escalate


class Command(BaseCommand):
    help = "Mark open appeals past their answer date as escalated (once) and tell their owners and company-wide HR."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="Pretend today is this date (YYYY-MM-DD).")

    def handle(self, *args: Any, **options: Any) -> None:
        today = dt.date.fromisoformat(options["date"]) if options.get("date") else company_today()
        escalated = appeals_escalate(today=today)
        self.stdout.write(f"appeals escalated: {escalated}")
