"""The append-only audit trail: who did what to which object, when, from where."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from jixiao.accounts.models import User


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def visible_to(self, user: User) -> QuerySet[AuditEvent]:
        """Admins read every event; HR reads events about objects inside her department subtrees."""
        from jixiao.org.selectors import actor_context

        if not user.is_authenticated:
            return self.none()
        ctx = actor_context(user)
        if ctx.is_admin:
            return self.all()
        if not ctx.hr_paths:
            return self.none()
        scope = Q()
        for path in ctx.hr_paths:
            scope |= Q(scope_path__startswith=path)
        return self.filter(scope)


class AuditEvent(models.Model):
    """One change or one refused access. The database refuses UPDATE and DELETE on this table."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_label = models.CharField(max_length=150, blank=True, verbose_name=_("actor"))
    action = models.CharField(max_length=64, db_index=True, verbose_name=_("action"))
    target_type = models.CharField(max_length=64, blank=True, verbose_name=_("target type"))
    target_id = models.CharField(max_length=64, blank=True, verbose_name=_("target id"))
    target_label = models.CharField(max_length=255, blank=True, verbose_name=_("target"))
    # Department path of the target when the event happened, so scoped HR can read it.
    scope_path = models.CharField(max_length=255, blank=True, db_index=True)
    before = models.JSONField(null=True, blank=True, verbose_name=_("before"))
    after = models.JSONField(null=True, blank=True, verbose_name=_("after"))
    ip = models.GenericIPAddressField(null=True, blank=True, verbose_name=_("IP address"))

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target_idx")]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.target_label}"
