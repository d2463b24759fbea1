"""Send review reminders now: run daily from cron or a systemd timer (docs/decisions/0007-review-cycles.md)."""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from jixiao.reviews.services import reminders_send


class Command(BaseCommand):
    help = "Send due-soon and overdue reminders for the current phase of every active review cycle."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="Pretend today is this date (YYYY-MM-DD).")

    def handle(self, *args: Any, **options: Any) -> None:
        today = dt.date.fromisoformat(options["date"]) if options.get("date") else timezone.localdate()
        sent = reminders_send(today=today)
        self.stdout.write(f"reminders sent: {sent}")
