"""Password rules of the production settings."""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class NotTheDemoPasswordValidator:
    """Refuses the published demo password."""

    def validate(self, password: str, user: Any = None) -> None:
        if password == settings.DEMO_PASSWORD:
            raise ValidationError(_("The demo password cannot be used here."), code="demo_password")

    def get_help_text(self) -> str:
        return _("Your password cannot be the published demo password.")
