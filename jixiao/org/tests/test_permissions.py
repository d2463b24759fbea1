"""Who sees and changes whom: one test per rule of the organisation gate."""

import pytest
from django.http import Http404

from jixiao.audit.models import AuditEvent
from jixiao.org import permissions
from jixiao.org.models import Employee, Status

pytestmark = pytest.mark.django_db


def test_employee_sees_a_colleague_in_another_unit(personas):
    assert permissions.employee_for_user(personas.employee.user, personas.rnd_head.pk) == personas.rnd_head


def test_outsider_sees_nobody_and_gets_the_same_404_as_for_a_missing_id(personas):
    with pytest.raises(Http404):
        permissions.employee_for_user(personas.outsider, personas.employee.pk)
    with pytest.raises(Http404):
        permissions.employee_for_user(personas.outsider, 999999)


def test_refused_access_is_recorded_in_the_audit_log(personas):
    with pytest.raises(Http404):
        permissions.employee_for_user(personas.outsider, personas.employee.pk)
    assert AuditEvent.objects.filter(action="access.denied", actor_id=personas.outsider.pk).exists()


def test_people_who_left_are_hidden_from_colleagues_but_not_from_hr_in_scope(personas):
    personas.peer.status = Status.LEFT
    personas.peer.save()
    assert not Employee.objects.visible_to(personas.employee.user).filter(pk=personas.peer.pk).exists()
    assert Employee.objects.visible_to(personas.scoped_hr).filter(pk=personas.peer.pk).exists()
    assert not Employee.objects.visible_to(personas.other_hr).filter(pk=personas.peer.pk, status=Status.LEFT).exists()


def test_a_person_sees_her_own_sensitive_fields(personas):
    assert permissions.can_see_sensitive(personas.employee.user, personas.employee)


def test_her_manager_and_skip_level_manager_see_her_sensitive_fields(personas):
    assert permissions.can_see_sensitive(personas.manager.user, personas.employee)
    assert permissions.can_see_sensitive(personas.skip.user, personas.employee)


def test_a_peer_does_not_see_her_sensitive_fields(personas):
    assert not permissions.can_see_sensitive(personas.peer.user, personas.employee)


def test_a_report_does_not_see_her_managers_sensitive_fields(personas):
    assert not permissions.can_see_sensitive(personas.employee.user, personas.manager)


def test_hr_in_scope_sees_sensitive_fields_and_hr_of_another_unit_does_not(personas):
    assert permissions.can_see_sensitive(personas.scoped_hr, personas.employee)
    assert not permissions.can_see_sensitive(personas.other_hr, personas.employee)


def test_admin_sees_sensitive_fields_and_executive_does_not(personas):
    assert permissions.can_see_sensitive(personas.admin, personas.employee)
    assert not permissions.can_see_sensitive(personas.executive, personas.employee)


def test_only_hr_in_scope_and_admins_may_change_a_person(personas):
    assert permissions.employee_for_user(personas.scoped_hr, personas.employee.pk, write=True)
    assert permissions.employee_for_user(personas.admin, personas.employee.pk, write=True)
    for user in (personas.other_hr, personas.manager.user, personas.employee.user, personas.executive):
        with pytest.raises(Http404):
            permissions.employee_for_user(user, personas.employee.pk, write=True)
