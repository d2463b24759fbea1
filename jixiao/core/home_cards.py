"""Cards that other apps add to the home page, so core never imports the apps above it.

An app registers a provider in its AppConfig.ready(); the home view asks each provider for its card.
A provider returns None when it has nothing for this reader, else a dict with at least "template"
(rendered with the dict as `card`). Providers must run a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Provider = Callable[[Any], "dict[str, Any] | None"]

_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    """Add a provider (idempotent: registering the same function twice keeps one)."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def cards_for(user: Any) -> list[dict[str, Any]]:
    """Each registered provider's card for this reader, in registration order."""
    return [card for provider in _providers if (card := provider(user)) is not None]
