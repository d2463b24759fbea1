"""Background work of appeals: the daily escalation of appeals past their answer date."""

import datetime as dt

from django_tasks import task


@task()
def escalate(day: str | None = None) -> int:
    """Escalate overdue open appeals once; `manage.py appeals_escalate` runs it daily."""
    from .selectors import company_today
    from .services import appeals_escalate

    return appeals_escalate(today=dt.date.fromisoformat(day) if day else company_today())
