"""A person's profile leads to giving her feedback and, for her manager, to their 1:1; the 360 nav is named so."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from jixiao.conversations.models import OneOnOne
from jixiao.org.models import Status

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def profile(user, person) -> str:
    response = client_for(user).get(person.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_a_colleagues_profile_has_a_give_feedback_button_with_her_picked(personas):
    body = profile(personas.peer.user, personas.employee)
    give = f"{reverse('conversations:feedback_give')}?to={personas.employee.pk}"
    assert 'data-testid="profile-give-feedback"' in body and give in body
    response = client_for(personas.peer.user).get(give)
    assert response.status_code == 200 and response.context["recipient"] == personas.employee


def test_ones_own_profile_has_no_give_feedback_button(personas):
    assert 'data-testid="profile-give-feedback"' not in profile(personas.employee.user, personas.employee)


def test_someone_who_left_gets_no_give_feedback_button(personas):
    personas.employee.status = Status.LEFT
    personas.employee.save(update_fields=["status"])
    body = profile(personas.scoped_hr, personas.employee)  # HR still reads the profile of someone who left
    assert 'data-testid="profile-give-feedback"' not in body and 'data-testid="profile-one-on-one"' not in body


def test_an_account_without_an_employee_record_gets_no_give_feedback_button(personas):
    assert 'data-testid="profile-give-feedback"' not in profile(personas.admin, personas.employee)


def test_her_manager_gets_a_1_1_button_others_do_not(personas):
    assert 'data-testid="profile-one-on-one"' in profile(personas.manager.user, personas.employee)
    for user in (personas.peer.user, personas.skip.user, personas.employee.user):
        assert 'data-testid="profile-one-on-one"' not in profile(user, personas.employee)


def test_the_1_1_button_starts_the_series_once_then_opens_it(personas):
    client = client_for(personas.manager.user)
    data = {"other": personas.employee.pk, "cadence": "biweekly"}
    first = client.post(reverse("conversations:one_on_ones"), data)
    series = OneOnOne.objects.get()
    assert first.status_code == 302 and first["Location"] == reverse("conversations:one_on_one", args=[series.pk])
    again = client.post(reverse("conversations:one_on_ones"), data)
    assert again["Location"] == first["Location"] and OneOnOne.objects.count() == 1


def test_the_360_requests_are_named_apart_from_continuous_feedback(personas):
    body = client_for(personas.employee.user).get("/").content.decode()
    assert "360° feedback requests" in body and 'data-testid="nav-feedback"' in body
