"""Background work of review cycles: launching, recomputing scores, reminders."""

import datetime as dt

from django_tasks import task


@task()
def launch_cycle(cycle_id: int) -> None:
    """Create a cycle's missing reviews (the cycle page polls the progress); safe to run again."""
    from .services import cycle_launch_run

    cycle_launch_run(cycle_id=cycle_id)


@task()
def send_reminders(day: str | None = None) -> int:
    """Due-soon and overdue reminders for every active cycle; `manage.py reminders_send` runs it daily."""
    from django.utils import timezone

    from .services import reminders_send

    return reminders_send(today=dt.date.fromisoformat(day) if day else timezone.localdate())
