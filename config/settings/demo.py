"""Demo mode: production middleware and DEBUG off, but demo logins allowed and email to the console."""

from .base import *  # noqa: F403

JIXIAO_DEMO_MODE = True
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
