"""People who sign in, their sessions and their personal API tokens."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from jixiao.core.models import TimeStampedModel


class User(AbstractUser):
    """An account. Roles other than admin and executive come from the organisation (org app)."""

    language = models.CharField(_("language"), max_length=10, blank=True, choices=settings.LANGUAGES)
    is_executive = models.BooleanField(
        _("executive"), default=False, help_text=_("Reads organisation-wide analytics; changes nothing.")
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def is_admin(self) -> bool:
        return bool(self.is_active and self.is_superuser)


class UserSession(models.Model):
    """Which live sessions belong to which user, so deactivating her can end them all at once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="live_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user_id}:{self.session_key[:6]}…"


class ApiToken(TimeStampedModel):
    """A personal API token for integrations. Only a SHA-256 digest of the secret is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("owner"))
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
