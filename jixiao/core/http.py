"""Typing help for views behind login_required."""

from django.http import HttpRequest

from jixiao.accounts.models import User


class AuthedRequest(HttpRequest):
    """A request whose user is signed in (what login_required guarantees)."""

    user: User
