"""Production mode: refuses to start with DEBUG on, a default SECRET_KEY or the demo logins."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import INSECURE_SECRET_KEY, SECRET_KEY

if os.environ.get("JIXIAO_DEBUG", "").lower() in {"1", "true", "yes", "on"}:
    raise ImproperlyConfigured("DEBUG must stay off in production.")
if SECRET_KEY == INSECURE_SECRET_KEY or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured("Set JIXIAO_SECRET_KEY to a long random value (50+ characters).")

DEBUG = False
JIXIAO_DEMO_MODE = False
SECURE_SSL_REDIRECT = os.environ.get("JIXIAO_SSL_REDIRECT", "true").lower() != "false"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("JIXIAO_HSTS_SECONDS", 31536000))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
EMAIL_HOST = os.environ.get("JIXIAO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("JIXIAO_EMAIL_PORT", 25))
EMAIL_HOST_USER = os.environ.get("JIXIAO_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("JIXIAO_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("JIXIAO_EMAIL_TLS", "true").lower() != "false"
AUTH_PASSWORD_VALIDATORS = [
    *AUTH_PASSWORD_VALIDATORS,  # noqa: F405
    {"NAME": "jixiao.accounts.validators.NotTheDemoPasswordValidator"},
]
