"""Who reads, writes and comments on a development plan: one test per rule (decision 0010)."""

import pytest
from django.http import Http404
from django.urls import reverse

from jixiao.conversations.permissions import development_plan_for_user
from jixiao.conversations.selectors_idp import visible_plans
from jixiao.conversations.testing_idp import make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(personas):
    return make_plan(personas.employee.user, personas.employee)


def _user(personas, who):
    return (
        getattr(personas, who)
        if who in ("scoped_hr", "other_hr", "outsider", "admin", "executive")
        else (getattr(personas, who).user)
    )


def test_the_employee_reads_and_writes_her_plan(personas, plan):
    user = personas.employee.user
    assert development_plan_for_user(user, plan.pk, write=True) == plan
    assert development_plan_for_user(user, plan.pk, comment=True) == plan


@pytest.mark.parametrize("who", ["manager", "skip", "ceo"])
def test_her_manager_and_the_chain_above_read_and_comment_but_do_not_write(personas, plan, who):
    user = _user(personas, who)
    assert development_plan_for_user(user, plan.pk) == plan
    assert development_plan_for_user(user, plan.pk, comment=True) == plan
    with pytest.raises(Http404):
        development_plan_for_user(user, plan.pk, write=True)


def test_hr_in_scope_reads_but_neither_writes_nor_comments(personas, plan):
    assert development_plan_for_user(personas.scoped_hr, plan.pk) == plan
    for kind in ({"write": True}, {"comment": True}):
        with pytest.raises(Http404):
            development_plan_for_user(personas.scoped_hr, plan.pk, **kind)


@pytest.mark.parametrize("who", ["peer", "rnd_head", "other_hr", "outsider", "executive"])
def test_everyone_else_gets_a_404(client, personas, plan, who):
    user = _user(personas, who)
    with pytest.raises(Http404):
        development_plan_for_user(user, plan.pk)
    client.force_login(user)
    assert client.get(reverse("conversations:idp_plan", args=[plan.pk])).status_code == 404
    assert plan not in visible_plans(user)


def test_a_missing_plan_is_a_404(personas):
    with pytest.raises(Http404):
        development_plan_for_user(personas.employee.user, 987654)


@pytest.mark.parametrize("who", ["peer", "manager"])
def test_a_colleague_or_her_manager_cannot_post_a_need_to_her_plan(client, personas, plan, who):
    client.force_login(getattr(personas, who).user)
    response = client.post(
        reverse("conversations:idp_need_add", args=[plan.pk]), {"text": "x", "version": plan.version}
    )
    assert response.status_code == 404
    assert not plan.needs.exists()


def test_listings_follow_the_same_rules(personas, plan):
    assert plan in visible_plans(personas.manager.user)
    assert plan in visible_plans(personas.scoped_hr)
    assert plan not in visible_plans(personas.peer.user)
