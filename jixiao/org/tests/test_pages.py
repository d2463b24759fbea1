"""The organisation pages: who sees which page and which fields, searching, paging and the org chart data."""

import pytest
from django.test import Client

from jixiao.audit.models import AuditEvent
from jixiao.org import selectors
from jixiao.org.models import Status
from jixiao.org.tests.test_pages_queries import grow_company

pytestmark = pytest.mark.django_db

PHONE = "13800000000"  # every persona's phone (see jixiao.core.testing.personas)
HIRE_DATE = "2020-03-01"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# ---- who may open what -----------------------------------------------------------------------------


def test_outsider_gets_404_on_a_profile_a_department_and_the_org_chart(personas):
    client = signed_in(personas.outsider)
    assert client.get(f"/org/people/{personas.employee.pk}/").status_code == 404
    assert client.get(f"/org/departments/{personas.east.pk}/").status_code == 404
    assert client.get("/org/chart/").status_code == 404
    assert client.get("/org/chart/nodes/").status_code == 404
    assert client.get("/org/chart/nodes/", {"parent": personas.root.pk}).status_code == 404


def test_a_missing_profile_and_a_forbidden_one_look_the_same_and_both_are_audited(personas):
    client = signed_in(personas.outsider)
    forbidden = client.get(f"/org/people/{personas.employee.pk}/")
    missing = client.get("/org/people/999999/")
    assert forbidden.status_code == missing.status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", actor_id=personas.outsider.pk).count() == 2


def test_outsider_sees_an_empty_directory_that_says_what_to_do(personas):
    response = signed_in(personas.outsider).get("/org/people/")
    assert response.status_code == 200
    assert personas.employee.name not in response.content.decode()
    assert "Ask HR to link it to your employee record" in response.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(personas):
    for url in ("/org/people/", f"/org/people/{personas.employee.pk}/", "/org/chart/", "/org/chart/nodes/"):
        response = Client().get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


# ---- sensitive fields on the profile ---------------------------------------------------------------


def profile_of(personas, viewer) -> str:
    response = signed_in(viewer).get(f"/org/people/{personas.employee.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_peers_profile_page_does_not_show_her_phone_hire_date_or_level(personas):
    page = profile_of(personas, personas.peer.user)
    assert personas.employee.name in page
    assert PHONE not in page
    assert HIRE_DATE not in page
    assert 'data-testid="profile-sensitive"' not in page


def test_her_managers_profile_page_shows_her_phone_and_hire_date(personas):
    for manager in (personas.manager, personas.skip, personas.ceo):
        page = profile_of(personas, manager.user)
        assert PHONE in page
        assert HIRE_DATE in page
        assert "P5" in page


def test_she_sees_her_own_private_fields(personas):
    page = profile_of(personas, personas.employee.user)
    assert PHONE in page
    assert "This is you" in page


def test_hr_of_her_unit_sees_her_phone_and_hr_of_another_unit_does_not(personas):
    assert PHONE in profile_of(personas, personas.scoped_hr)
    other = profile_of(personas, personas.other_hr)
    assert PHONE not in other
    assert HIRE_DATE not in other


def test_executives_see_the_profile_but_not_the_private_fields(personas):
    page = profile_of(personas, personas.executive)
    assert personas.employee.name in page
    assert PHONE not in page


def test_the_profile_shows_her_reporting_line_and_her_managers_reports(personas):
    page = profile_of(personas, personas.peer.user)
    for manager in (personas.ceo, personas.skip, personas.manager):
        assert manager.name in page
    manager_page = signed_in(personas.peer.user).get(f"/org/people/{personas.manager.pk}/").content.decode()
    assert personas.employee.name in manager_page
    assert personas.peer.name in manager_page


def test_a_leaver_is_404_for_colleagues_and_readable_for_hr_in_scope(personas):
    personas.peer.status = Status.LEFT
    personas.peer.save()
    assert signed_in(personas.employee.user).get(f"/org/people/{personas.peer.pk}/").status_code == 404
    page = signed_in(personas.scoped_hr).get(f"/org/people/{personas.peer.pk}/").content.decode()
    assert "Left" in page


def test_a_leaver_is_not_listed_among_a_managers_reports_for_colleagues(personas):
    personas.peer.status = Status.LEFT
    personas.peer.save()
    page = signed_in(personas.employee.user).get(f"/org/people/{personas.manager.pk}/").content.decode()
    assert personas.peer.name not in page


# ---- directory -----------------------------------------------------------------------------------


def names_in(response) -> set[str]:
    return {p.name for p in response.context["page"].people}


@pytest.mark.parametrize(
    ("query", "found"),
    [("王小", "王小明"), ("ming", "王小明"), ("T00004", "王小明"), ("p_employee@", None), ("研发", None)],
)
def test_the_directory_searches_names_english_names_numbers_emails_and_titles(personas, query, found):
    personas.employee.email = "p_employee@example.com"
    personas.employee.employee_number = "T00004"
    personas.employee.save()
    personas.rnd_head.title = "研发总监"
    personas.rnd_head.save()
    names = names_in(signed_in(personas.peer.user).get("/org/people/", {"q": query}))
    expected = {found or (personas.employee.name if "@" in query else personas.rnd_head.name)}
    assert names == expected


def test_the_directory_narrows_to_a_department_and_everything_below_it(personas):
    response = signed_in(personas.peer.user).get("/org/people/", {"department": personas.sales.pk})
    assert names_in(response) == {"孙部长", "李经理", "王小明", "赵同事", "周HR"}
    assert f'value="{personas.sales.pk}" selected' in response.content.decode()


def test_colleagues_cannot_list_leavers_even_by_asking_for_them(personas):
    personas.peer.status = Status.LEFT
    personas.peer.save()
    response = signed_in(personas.employee.user).get("/org/people/", {"status": "left"})
    assert response.context["status"] == "current"
    assert personas.peer.name not in names_in(response)


def test_hr_lists_leavers_inside_her_scope_only(personas):
    personas.peer.status = Status.LEFT
    personas.peer.save()
    personas.rnd_head.status = Status.LEFT
    personas.rnd_head.save()
    assert names_in(signed_in(personas.scoped_hr).get("/org/people/", {"status": "left"})) == {personas.peer.name}
    assert personas.peer.name not in names_in(signed_in(personas.scoped_hr).get("/org/people/"))


def test_the_directory_keeps_its_filters_in_the_more_link(personas):
    grow_company(personas.east, personas.manager, 60)
    response = signed_in(personas.peer.user).get("/org/people/", {"q": "员工", "sort": "number"})
    page = response.content.decode()
    assert 'data-testid="people-more"' in page
    assert "q=%E5%91%98%E5%B7%A5&amp;status=current&amp;sort=number&amp;after=" in page


@pytest.mark.parametrize("sort", sorted(selectors.DIRECTORY_SORTS))
def test_keyset_pages_walk_everyone_once_in_order(personas, sort):
    grow_company(personas.east, personas.manager, 23)
    everyone = selectors.directory_page(user=personas.admin, sort=sort, size=1000).people
    seen: list = []
    after = None
    while True:
        page = selectors.directory_page(user=personas.admin, sort=sort, after=after, size=4)
        seen.extend(page.people)
        if page.next_after is None:
            break
        after = page.next_after
    assert [p.pk for p in seen] == [p.pk for p in everyone]
    assert len(seen) == 23 + 8  # and the eight personas


def test_the_more_button_loads_only_the_next_rows(personas):
    grow_company(personas.east, personas.manager, 60)
    client = signed_in(personas.peer.user)
    first = client.get("/org/people/")
    after = first.context["page"].next_after
    rows = client.get("/org/people/", {"after": after, "rows": "1"}, HTTP_HX_REQUEST="true")
    body = rows.content.decode()
    assert "<table" not in body and "<html" not in body
    assert body.count("<tr") == len(rows.context["page"].people)  # the last page: no "more" row
    assert {p.pk for p in rows.context["page"].people}.isdisjoint({p.pk for p in first.context["page"].people})


def test_a_search_typed_into_the_page_returns_just_the_results_card(personas):
    response = signed_in(personas.peer.user).get(
        "/org/people/", {"q": "王"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="jx-results"
    )
    body = response.content.decode()
    assert 'data-testid="people-results"' in body
    assert "<html" not in body


def test_a_search_that_finds_nobody_says_how_to_widen_it(personas):
    body = signed_in(personas.peer.user).get("/org/people/", {"q": "no-such-person"}).content.decode()
    assert "Nobody matches these filters" in body
    assert "Clear filters" in body


# ---- department page -----------------------------------------------------------------------------


def test_the_department_page_shows_its_head_sub_departments_with_headcounts_and_members(personas):
    response = signed_in(personas.rnd_head.user).get(f"/org/departments/{personas.sales.pk}/")
    assert response.status_code == 200
    overview = response.context["overview"]
    assert [d.name for d in overview.breadcrumbs] == ["总部"]
    assert [(d.name, d.headcount) for d in overview.children] == [("华东区", 3)]
    assert (overview.headcount, overview.direct_headcount) == (5, 2)
    body = response.content.decode()
    assert personas.skip.name in body  # the head
    assert f"/org/chart/?focus={personas.sales.pk}" in body
    assert names_in(response) == {"孙部长", "李经理", "王小明", "赵同事", "周HR"}


def test_department_names_follow_the_readers_language(personas):
    client = signed_in(personas.peer.user)
    assert "East China" in client.get(f"/org/departments/{personas.east.pk}/").content.decode()
    personas.peer.user.language = "zh-hans"
    personas.peer.user.save()
    body = client.get(f"/org/departments/{personas.east.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert '<li class="breadcrumb-item active" aria-current="page">华东区</li>' in body


# ---- org chart -----------------------------------------------------------------------------------


def test_the_chart_nodes_endpoint_returns_one_level_with_heads_headcounts_and_a_children_flag(personas):
    client = signed_in(personas.peer.user)
    top = client.get("/org/chart/nodes/").json()
    assert [n["id"] for n in top["nodes"]] == [personas.root.pk]
    level = client.get("/org/chart/nodes/", {"parent": personas.root.pk}).json()
    by_id = {n["id"]: n for n in level["nodes"]}
    assert set(by_id) == {personas.sales.pk, personas.rnd.pk}
    sales = by_id[personas.sales.pk]
    assert (sales["head"], sales["headcount"], sales["has_children"]) == ("孙部长", 5, True)
    assert by_id[personas.rnd.pk]["has_children"] is False
    assert sales["url"] == f"/org/departments/{personas.sales.pk}/"
    assert "children" not in sales  # one level only


def test_the_chart_headcount_leaves_out_people_who_left(personas):
    personas.peer.status = Status.LEFT
    personas.peer.save()
    level = signed_in(personas.admin).get("/org/chart/nodes/", {"parent": personas.sales.pk}).json()
    assert level["nodes"][0]["headcount"] == 2


def test_a_bad_or_unknown_parent_is_a_404(personas):
    client = signed_in(personas.peer.user)
    assert client.get("/org/chart/nodes/", {"parent": "abc"}).status_code == 404
    assert client.get("/org/chart/nodes/", {"parent": 999999}).status_code == 404


def test_the_chart_opens_the_path_to_the_focused_department(personas):
    response = signed_in(personas.peer.user).get("/org/chart/", {"focus": personas.east.pk})
    assert response.status_code == 200
    (root,) = response.context["tree"]
    assert root["collapsed"] is False
    sales = next(n for n in root["children"] if n["id"] == personas.sales.pk)
    assert sales["collapsed"] is False
    (east,) = sales["children"]
    assert east["focus"] is True
    rnd = next(n for n in root["children"] if n["id"] == personas.rnd.pk)
    assert rnd["collapsed"] is True
    body = response.content.decode()
    assert f'data-focus="{personas.east.pk}"' in body
    assert 'id="jx-orgchart-data" type="application/json"' in body
    assert "<script>" not in body  # no inline scripts: the CSP forbids them


def test_without_a_focus_the_chart_shows_the_top_two_levels(personas):
    response = signed_in(personas.peer.user).get("/org/chart/")
    (root,) = response.context["tree"]
    assert {n["id"] for n in root["children"]} == {personas.sales.pk, personas.rnd.pk}
    assert all(n["children"] is None and n["collapsed"] for n in root["children"])


def test_the_chart_has_a_text_alternative_with_the_same_departments(personas):
    body = signed_in(personas.peer.user).get("/org/chart/", {"focus": personas.east.pk}).content.decode()
    assert 'data-testid="orgchart-list"' in body
    for name in ("Head office", "Sales", "East China", "R&amp;D"):
        assert name in body


def test_the_department_filter_offers_the_top_levels_and_keeps_a_deeper_choice(personas):
    team = grow_company(personas.east, personas.manager, 10)[0]  # depth 3: below 总部 / 销售部 / 华东区
    client = signed_in(personas.peer.user)
    offered = {d.pk for d in client.get("/org/people/").context["departments"]}
    assert offered == {personas.root.pk, personas.sales.pk, personas.east.pk, personas.rnd.pk}
    chosen = client.get("/org/people/", {"department": team.pk})
    assert team.pk in {d.pk for d in chosen.context["departments"]}
    assert chosen.context["department"] == team
    assert len(names_in(chosen)) == 10  # the one new team holds all ten
