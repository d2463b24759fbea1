"""Colleagues are found by the pinyin of their names: "wangwei", "wang wei" and "ww" all find 王伟."""

from importlib import import_module

import pytest
from django.apps import apps
from django.test import Client

from jixiao.core.testing.personas import make_employee
from jixiao.org import selectors, services
from jixiao.org.imports import employees_import_file
from jixiao.org.models import Employee
from jixiao.org.testing_import import person_row, xlsx_bytes

from .test_pages_queries import DIRECTORY, grow_company, signed_in

pytestmark = pytest.mark.django_db

EAST = "总部/销售部/华东区"
PINYIN_QUERIES = ["wangwei", "wang wei", "ww", "WangWei", " wang wei "]


@pytest.fixture
def wang_wei(personas) -> Employee:
    return make_employee("王伟", personas.east, manager=personas.manager)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def directory_names(user, query: str) -> list[str]:
    response = client_for(user).get("/org/people/", {"q": query})
    assert response.status_code == 200
    return [person.name for person in response.context["page"].people]


def api_names(user, query: str) -> list[str]:
    response = client_for(user).get("/api/v1/employees", {"q": query})
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["items"]]


@pytest.mark.parametrize("query", PINYIN_QUERIES)
def test_a_colleague_finds_wang_wei_by_pinyin_in_the_directory(personas, wang_wei, query):
    assert directory_names(personas.peer.user, query) == ["王伟"]


@pytest.mark.parametrize("query", PINYIN_QUERIES)
def test_the_api_finds_wang_wei_by_pinyin(personas, wang_wei, query):
    assert api_names(personas.peer.user, query) == ["王伟"]


def test_pinyin_search_still_finds_english_names(personas, wang_wei):
    # 王小明 is "Ming" too: the English name matches as before, alongside the pinyin "wangxiaoming".
    assert directory_names(personas.peer.user, "ming") == ["王小明"]


def test_a_query_with_other_characters_is_not_read_as_pinyin(personas, wang_wei):
    assert directory_names(personas.peer.user, "ww1") == []
    assert directory_names(personas.peer.user, "王伟") == ["王伟"]


def test_pinyin_search_does_not_show_people_the_reader_cannot_see(personas, wang_wei):
    assert selectors.directory(user=personas.outsider, query="wangwei").count() == 0


def test_an_import_sets_the_pinyin_of_new_and_renamed_people(personas):
    rows = [
        person_row("N001", "王伟", EAST, personas.manager.employee_number),
        person_row(personas.peer.employee_number, "赵丽", EAST, personas.manager.employee_number),
    ]
    result = employees_import_file(actor=personas.scoped_hr, data=xlsx_bytes(rows), filename="people.xlsx")
    assert (result.created, result.updated) == (1, 1)
    assert Employee.objects.get(employee_number="N001").name_pinyin == "wangwei ww"
    assert Employee.objects.get(pk=personas.peer.pk).name_pinyin == "zhaoli zl"
    assert directory_names(personas.employee.user, "zhao li") == ["赵丽"]


def test_renaming_a_person_updates_her_pinyin(personas):
    peer = personas.peer
    assert peer.name_pinyin == "zhaotongshi zts"
    renamed = services.employee_input_from(peer, name="王伟")
    services.employee_update(actor=personas.scoped_hr, employee=peer, version=peer.version, data=renamed)
    peer.refresh_from_db()
    assert peer.name_pinyin == "wangwei ww"
    assert directory_names(personas.employee.user, "ww") == ["王伟"]


def test_adding_a_person_sets_her_pinyin(personas):
    created = services.employee_create(
        actor=personas.scoped_hr,
        data=services.EmployeeInput(employee_number="N002", name="李娜", department_id=personas.east.pk),
    )
    assert Employee.objects.get(pk=created.pk).name_pinyin == "lina ln"


def test_the_data_migration_fills_people_saved_before_the_column(personas):
    Employee.objects.update(name_pinyin="")
    import_module("jixiao.org.migrations.0004_fill_name_pinyin").fill_name_pinyin(apps, None)
    assert Employee.objects.get(pk=personas.employee.pk).name_pinyin == "wangxiaoming wxm"
    assert not Employee.objects.filter(name_pinyin="").exists()


@pytest.mark.parametrize("size", [10, 1000])
def test_a_pinyin_search_runs_the_same_queries_as_any_search(personas, django_assert_num_queries, size):
    grow_company(personas.east, personas.manager, size)
    client = signed_in(personas.scoped_hr)
    with django_assert_num_queries(DIRECTORY):
        response = client.get("/org/people/", {"q": "wang wei", "department": personas.sales.pk})
    assert response.status_code == 200
