"""Fixtures shared by every app's tests."""

import pytest

from jixiao.core.testing.personas import Personas, build_personas


@pytest.fixture
def personas(db: None) -> Personas:
    return build_personas()


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    settings.LANGUAGE_CODE = "en"
