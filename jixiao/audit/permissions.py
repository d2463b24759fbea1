"""The gate to the audit log: admins and HR read it (each within visible_to); everyone else gets 404."""

from typing import Any

from jixiao.org.permissions import can_read_audit

from .services import access_denied


def require_audit_reader(user: Any) -> None:
    """Raise 404 (and record the refusal) unless the user may read the audit log."""
    if not can_read_audit(user):
        raise access_denied(user, "audit.auditevent", "", write=False)
