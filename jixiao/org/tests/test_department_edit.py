"""HR changes departments on their pages: scoped, audited, refused with a reason, never silently overwriting."""

import pytest
from django.test import Client

from jixiao.audit.models import AuditEvent
from jixiao.core.testing.personas import make_department, make_employee
from jixiao.org.models import Department, Status

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form_data(dept: Department, **changes) -> dict:
    data = {
        "name": dept.name,
        "name_en": dept.name_en,
        "head_number": dept.head.employee_number if dept.head else "",
        "parent": dept.parent_id or "",
        "version": dept.version,
    }
    data.update(changes)
    return data


def edit_url(dept: Department) -> str:
    return f"/org/departments/{dept.pk}/edit/"


def new_url(dept: Department) -> str:
    return f"/org/departments/{dept.pk}/new/"


def test_hr_in_scope_renames_a_department_and_the_change_is_audited(personas):
    response = signed_in(personas.scoped_hr).post(edit_url(personas.east), form_data(personas.east, name="华东大区"))
    assert response.status_code == 302
    personas.east.refresh_from_db()
    assert personas.east.name == "华东大区"
    event = AuditEvent.objects.get(action="department.update", target_id=str(personas.east.pk))
    assert (event.before or {}).get("name") == "华东区" and (event.after or {}).get("name") == "华东大区"


def test_hr_can_rename_the_top_of_her_scope_without_moving_it(personas):
    data = form_data(personas.sales, name_en="Sales & Marketing")
    assert signed_in(personas.scoped_hr).post(edit_url(personas.sales), data).status_code == 302
    personas.sales.refresh_from_db()
    assert personas.sales.name_en == "Sales & Marketing" and personas.sales.parent_id == personas.root.pk


def test_the_department_page_offers_editing_only_to_hr_in_scope(personas):
    url = personas.east.get_absolute_url()
    page = signed_in(personas.scoped_hr).get(url).content.decode()
    assert 'data-testid="department-edit"' in page and 'data-testid="department-add-sub"' in page
    for user in (personas.other_hr, personas.manager.user, personas.executive):
        page = signed_in(user).get(url).content.decode()
        assert 'data-testid="department-edit"' not in page and 'data-testid="department-add-sub"' not in page


def test_the_edit_page_shows_the_current_values(personas):
    page = signed_in(personas.scoped_hr).get(edit_url(personas.east)).content.decode()
    assert 'value="华东区"' in page and f'value="{personas.manager.employee_number}"' in page
    assert f'<option value="{personas.sales.pk}" selected>' in page


@pytest.mark.parametrize("who", ["other_hr", "manager", "employee", "executive"])
def test_nobody_else_can_open_or_post_the_edit_or_new_pages(personas, who):
    user = getattr(personas, who)
    client = signed_in(getattr(user, "user", user))
    assert client.get(edit_url(personas.east)).status_code == 404
    assert client.post(edit_url(personas.east), form_data(personas.east, name="x")).status_code == 404
    assert client.get(new_url(personas.east)).status_code == 404
    assert client.post(new_url(personas.east), {"name": "x"}).status_code == 404
    personas.east.refresh_from_db()
    assert personas.east.name == "华东区" and personas.east.version == 1
    assert not Department.objects.filter(name="x").exists()


def test_moving_a_department_under_its_own_sub_department_is_refused_beside_the_parent_field(personas):
    response = signed_in(personas.scoped_hr).post(
        edit_url(personas.sales), form_data(personas.sales, parent=personas.east.pk)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["parent"] == ["This would make a loop."]
    assert "cannot move under itself" in response.content.decode()
    personas.sales.refresh_from_db()
    assert personas.sales.parent_id == personas.root.pk and personas.sales.version == 1


def test_a_save_based_on_an_old_version_is_refused_and_keeps_what_was_typed(personas):
    stale = form_data(personas.east, name="我的名字")
    signed_in(personas.admin).post(edit_url(personas.east), form_data(personas.east, name="别人的名字"))
    response = signed_in(personas.scoped_hr).post(edit_url(personas.east), stale)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Someone else saved this department" in page and 'value="我的名字"' in page
    personas.east.refresh_from_db()
    assert personas.east.name == "别人的名字"


def test_a_name_already_used_by_a_sibling_is_refused(personas):
    make_department("华南区", personas.sales)
    response = signed_in(personas.scoped_hr).post(edit_url(personas.east), form_data(personas.east, name="华南区"))
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == ["Already used by a sibling department."]
    personas.east.refresh_from_db()
    assert personas.east.name == "华东区"


def test_a_new_sub_department_with_a_sibling_name_is_refused(personas):
    response = signed_in(personas.scoped_hr).post(new_url(personas.sales), {"name": "华东区"})
    assert response.status_code == 200
    assert "Already used by a sibling department." in response.content.decode()
    assert Department.objects.filter(name="华东区").count() == 1


def test_an_unknown_head_number_is_refused_and_nothing_is_written(personas):
    data = form_data(personas.east, head_number="NOPE", name="改名")
    response = signed_in(personas.scoped_hr).post(edit_url(personas.east), data)
    assert "Nobody with employee number NOPE" in response.content.decode()
    personas.east.refresh_from_db()
    assert personas.east.name == "华东区" and personas.east.head_id == personas.manager.pk
    assert not AuditEvent.objects.filter(action="department.update").exists()


def test_someone_who_has_left_cannot_head_a_department(personas):
    leaver = make_employee("离职者", personas.east, manager=personas.manager, status=Status.LEFT)
    data = form_data(personas.east, head_number=leaver.employee_number)
    response = signed_in(personas.scoped_hr).post(edit_url(personas.east), data)
    assert "must be a current employee" in response.content.decode()
    personas.east.refresh_from_db()
    assert personas.east.head_id == personas.manager.pk


def test_hr_adds_a_sub_department_with_a_head_and_it_is_audited(personas):
    data = {"name": "上海组", "name_en": "Shanghai", "head_number": personas.peer.employee_number}
    response = signed_in(personas.scoped_hr).post(new_url(personas.east), data)
    created = Department.objects.get(name="上海组")
    assert response.status_code == 302 and response["Location"] == created.get_absolute_url()
    assert created.parent_id == personas.east.pk and created.head_id == personas.peer.pk
    assert created.path == f"{personas.east.path}{created.pk}/" and created.depth == personas.east.depth + 1
    assert AuditEvent.objects.filter(action="department.create", target_id=str(created.pk)).exists()


def test_moving_a_department_re_paths_its_whole_subtree_and_the_directory_still_finds_its_people(personas):
    team = make_department("上海组", personas.east)
    squad = make_department("浦东小组", team)
    person = make_employee("陈浦东", squad, manager=personas.manager)
    hr = signed_in(personas.scoped_hr)
    hr.post(new_url(personas.sales), {"name": "渠道部"})
    channel = Department.objects.get(name="渠道部")

    response = hr.post(edit_url(personas.east), form_data(personas.east, parent=channel.pk))

    assert response.status_code == 302
    squad.refresh_from_db()
    assert squad.path == f"{channel.path}{personas.east.pk}/{team.pk}/{squad.pk}/"
    assert squad.depth == channel.depth + 3
    for dept in (channel, personas.east, squad):
        page = hr.get("/org/people/", {"department": dept.pk}).content.decode()
        assert person.name in page
    assert person.name not in hr.get("/org/people/", {"department": personas.rnd.pk}).content.decode()


def test_an_admin_renames_the_top_of_the_tree_which_offers_no_parent_to_choose(personas):
    admin = signed_in(personas.admin)
    assert 'name="parent"' not in admin.get(edit_url(personas.root)).content.decode()
    data = form_data(personas.root, name="星辰总部")
    del data["parent"]
    assert admin.post(edit_url(personas.root), data).status_code == 302
    personas.root.refresh_from_db()
    assert personas.root.name == "星辰总部" and personas.root.parent_id is None
