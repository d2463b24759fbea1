"""Prepared queries give exactly what their queryset gives, for any values, and refuse what they cannot swap."""

import pytest

from jixiao.core.prepared import Prepared
from jixiao.org.models import Employee

pytestmark = pytest.mark.django_db

WITH_MANAGER = Prepared(
    lambda pk: Employee.objects.filter(pk=pk).select_related("manager__department", "department").order_by(), int
)
BY_NAME = Prepared(lambda name: Employee.objects.filter(name=name).values("id", "department__path").order_by("pk"), str)


def test_a_prepared_query_returns_the_same_objects_and_related_objects_as_its_queryset(personas):
    for person in (personas.employee, personas.manager, personas.ceo):
        got = WITH_MANAGER.first(person.pk)
        expected = Employee.objects.select_related("manager__department", "department").get(pk=person.pk)
        assert (got.pk, got.name, got.department.path) == (expected.pk, expected.name, expected.department.path)
        assert (got.manager and got.manager.department.name) == (expected.manager and expected.manager.department.name)


def test_values_come_back_as_dicts_for_each_new_value(personas):
    assert BY_NAME.all(personas.peer.name) == [{"id": personas.peer.pk, "department__path": personas.east.path}]
    assert BY_NAME.all("nobody") == []


def test_a_parameter_the_orm_rewrites_is_refused_when_prepared(personas):
    contains = Prepared(lambda name: Employee.objects.filter(name__contains=name), str)
    with pytest.raises(ValueError, match="unchanged"):
        contains.all("王")
