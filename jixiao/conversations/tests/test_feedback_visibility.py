"""Who reads which feedback (decision 0010): one test per rule, then every persona against every kind."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404
from django.utils import timezone

from jixiao.conversations import permissions
from jixiao.conversations.models import Feedback
from jixiao.conversations.selectors_feedback import feedback_received_in, feedback_visible_to
from jixiao.conversations.testing_feedback import ask, give
from jixiao.core.testing.personas import make_employee, make_user
from jixiao.org.selectors import actor_context

PRIVATE, MANAGER, PUBLIC = Feedback.Visibility.PRIVATE, Feedback.Visibility.MANAGER, Feedback.Visibility.PUBLIC


def readers(feedback: Feedback, personas) -> set[str]:
    """The personas who find this feedback through the one visibility rule."""
    people = {
        "ceo": personas.ceo.user,
        "skip": personas.skip.user,
        "manager": personas.manager.user,
        "employee": personas.employee.user,
        "peer": personas.peer.user,
        "rnd_head": personas.rnd_head.user,
        "scoped_hr": personas.scoped_hr,
        "other_hr": personas.other_hr,
        "outsider": personas.outsider,
        "executive": personas.executive,
        "admin": personas.admin,
    }
    return {name for name, user in people.items() if feedback_visible_to(user).filter(pk=feedback.pk).exists()}


def test_private_feedback_is_read_by_the_giver_and_the_recipient_only(personas):
    fb = give(personas.peer, personas.employee, visibility=PRIVATE)
    assert readers(fb, personas) == {"peer", "employee"}


def test_manager_visibility_adds_the_recipients_manager_and_nobody_above(personas):
    fb = give(personas.peer, personas.employee, visibility=MANAGER)
    assert readers(fb, personas) == {"peer", "employee", "manager"}


def test_public_praise_is_read_by_everyone_with_an_employee_record(personas):
    fb = give(personas.peer, personas.employee, visibility=PUBLIC)
    # HR have employee records; the outsider, the executive and the admin have none.
    assert readers(fb, personas) == {"ceo", "skip", "manager", "employee", "peer", "rnd_head", "scoped_hr", "other_hr"}


def test_upward_feedback_is_never_hidden_from_the_managers_own_manager(personas):
    fb = give(personas.employee, personas.manager, kind=Feedback.Kind.SUGGESTION, visibility=PRIVATE)
    fb.refresh_from_db()
    assert fb.visibility == MANAGER
    assert fb.recipient_manager == personas.skip
    assert readers(fb, personas) == {"employee", "manager", "skip"}


def test_manager_visibility_follows_the_manager_of_the_day_it_was_given(personas):
    fb = give(personas.peer, personas.employee, visibility=MANAGER)
    newcomer = make_employee("新经理", personas.east, manager=personas.skip, user=make_user("p_new_mgr"))
    personas.employee.manager = newcomer
    personas.employee.save(update_fields=["manager"])
    assert feedback_visible_to(personas.manager.user).filter(pk=fb.pk).exists()
    assert not feedback_visible_to(newcomer.user).filter(pk=fb.pk).exists()


def test_the_requester_reads_the_answer_whatever_its_visibility(personas):
    (request,) = ask(personas.manager, personas.peer, subject=personas.employee)
    fb = give(personas.peer, personas.employee, visibility=PRIVATE, request=request)
    assert readers(fb, personas) == {"peer", "employee", "manager"}


def test_hr_and_admins_do_not_read_private_feedback(personas):
    fb = give(personas.peer, personas.employee, visibility=MANAGER)
    for user in (personas.scoped_hr, personas.other_hr, personas.admin, personas.executive, personas.outsider):
        with pytest.raises(Http404):
            permissions.feedback_for_user(user, fb.pk)


def test_the_gate_gives_the_same_404_for_missing_and_forbidden(personas):
    fb = give(personas.peer, personas.employee)
    with pytest.raises(Http404):
        permissions.feedback_for_user(personas.manager.user, fb.pk)
    with pytest.raises(Http404):
        permissions.feedback_for_user(personas.manager.user, 999999)
    with pytest.raises(Http404):
        permissions.feedback_for_user(personas.manager.user, "x")
    assert permissions.feedback_for_user(personas.employee.user, fb.pk) == fb


def test_a_request_is_read_by_its_requester_and_rater_and_answered_only_by_the_rater(personas):
    (request,) = ask(personas.employee, personas.peer)
    assert permissions.request_for_user(personas.employee.user, request.pk) == request
    assert permissions.request_for_user(personas.peer.user, request.pk, write=True) == request
    with pytest.raises(Http404):
        permissions.request_for_user(personas.employee.user, request.pk, write=True)
    for user in (personas.manager.user, personas.scoped_hr, personas.admin):
        with pytest.raises(Http404):
            permissions.request_for_user(user, request.pk)


@pytest.mark.parametrize(
    ("kind", "visibility", "expected"),
    [
        ("praise", PRIVATE, {"employee", "peer"}),
        ("suggestion", PRIVATE, {"employee", "peer"}),
        ("praise", MANAGER, {"employee", "peer", "manager"}),
        ("suggestion", MANAGER, {"employee", "peer", "manager"}),
        ("praise", PUBLIC, {"ceo", "skip", "manager", "employee", "peer", "rnd_head", "scoped_hr", "other_hr"}),
    ],
)
def test_every_persona_against_every_kind_of_feedback(personas, kind, visibility, expected):
    fb = give(personas.peer, personas.employee, kind=kind, visibility=visibility)
    assert readers(fb, personas) == expected


def test_the_evidence_selector_returns_what_the_manager_may_read_in_the_period_in_one_query(
    personas, django_assert_num_queries
):
    private = give(personas.peer, personas.employee, visibility=PRIVATE)
    shared = give(personas.peer, personas.employee, visibility=MANAGER, text="Great demo.")
    public = give(personas.skip, personas.employee, visibility=PUBLIC, text="Well done.")
    give(personas.peer, personas.manager, visibility=MANAGER)  # about someone else
    today = timezone.localdate()
    user = personas.manager.user
    actor_context(user)
    with django_assert_num_queries(1):
        rows = feedback_received_in(
            user, personas.employee, today - dt.timedelta(days=1), today + dt.timedelta(days=1), 10
        )
    assert [r.pk for r in rows] == [public.pk, shared.pk]
    assert private.pk not in [r.pk for r in rows]
    assert rows[0].giver.name == personas.skip.name
    assert (
        feedback_received_in(user, personas.employee, today - dt.timedelta(days=30), today - dt.timedelta(days=2), 10)
        == []
    )
    assert len(feedback_received_in(user, personas.employee.pk, today, today, 1)) == 1
