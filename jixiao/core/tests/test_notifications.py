"""The bell and the notifications page: only the owner ever sees or marks a notification."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jixiao.core.models import Notification
from jixiao.core.notifications import Message, notify

pytestmark = pytest.mark.django_db

BELL = reverse("core:notifications_bell")
LIST = reverse("core:notifications")
READ_ALL = reverse("core:notifications_read_all")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def give(user, count: int, *, read: bool = False, url: str = "/goals/") -> list[Notification]:
    rows = Notification.objects.bulk_create(
        Notification(
            user=user,
            title=f"提醒 {i}",
            body=f"正文 {i}",
            url=url,
            read_at=timezone.now() if read else None,
        )
        for i in range(count)
    )
    return sorted(rows, key=lambda n: n.pk)


def open_url(notification: Notification) -> str:
    return reverse("core:notification_open", args=[notification.pk])


# ---- the bell ------------------------------------------------------------------------------------


def test_every_page_loads_the_bell_count_on_its_own_request(personas):
    give(personas.employee.user, 3)
    body = client_for(personas.employee.user).get("/").content.decode()
    assert 'data-testid="bell"' in body
    assert f'data-bell-url="{BELL}"' in body and "js/notifications.js" in body
    assert 'data-testid="bell-count"' not in body


def test_the_bell_counts_my_unread_notifications_only(personas):
    give(personas.employee.user, 3)
    give(personas.employee.user, 2, read=True)
    give(personas.peer.user, 5)
    response = client_for(personas.employee.user).get(BELL, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.context["count"] == 3
    assert ">3<" in response.content.decode()
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]


def test_the_bell_says_99_plus_beyond_its_cap(personas):
    give(personas.employee.user, 120)
    body = client_for(personas.employee.user).get(BELL).content.decode()
    assert "99+" in body


def test_the_bell_shows_nothing_when_all_is_read(personas):
    give(personas.employee.user, 2, read=True)
    body = client_for(personas.employee.user).get(BELL).content.decode()
    assert 'data-testid="bell-count"' not in body


def test_the_bell_runs_one_query_after_the_session_whatever_the_count(personas, django_assert_num_queries):
    client = client_for(personas.employee.user)
    give(personas.employee.user, 3)
    with django_assert_num_queries(3):  # session, user, the capped count
        client.get(BELL)
    give(personas.employee.user, 300)
    with django_assert_num_queries(3):
        client.get(BELL)


# ---- the list ------------------------------------------------------------------------------------


def test_my_notifications_are_listed_newest_first_with_the_unread_ones_highlighted(personas):
    old = give(personas.employee.user, 1, read=True)[0]
    new = give(personas.employee.user, 1)[0]
    response = client_for(personas.employee.user).get(LIST)
    assert response.status_code == 200
    assert [n.pk for n in response.context["page"].items] == [new.pk, old.pk]
    body = response.content.decode()
    assert body.count('data-unread="1"') == 1
    assert open_url(new) in body and open_url(old) in body
    assert response.context["unread"] == 1


def test_nobody_sees_another_persons_notifications(personas):
    theirs = give(personas.peer.user, 2)
    response = client_for(personas.employee.user).get(LIST)
    assert response.context["page"].items == []
    body = response.content.decode()
    assert all(open_url(n) not in body for n in theirs)
    assert "No notifications yet" in body


def test_a_long_list_pages_with_a_more_row_that_htmx_swaps_for_older_ones(personas):
    rows = give(personas.employee.user, 25)
    client = client_for(personas.employee.user)
    first = client.get(LIST)
    page = first.context["page"]
    assert len(page.items) == 20 and page.next_before == rows[5].pk
    assert 'data-testid="notifications-more"' in first.content.decode()
    more = client.get(LIST, {"before": page.next_before, "rows": "1"}, HTTP_HX_REQUEST="true")
    body = more.content.decode()
    assert "<table" not in body
    assert [n.pk for n in more.context["page"].items] == [r.pk for r in reversed(rows[:5])]
    assert 'data-testid="notifications-more"' not in body


def test_the_list_runs_the_same_queries_for_ten_and_for_many(personas):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(personas.employee.user)
    give(personas.employee.user, 10)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(LIST).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    give(personas.employee.user, 400)
    give(personas.employee.user, 50, read=True)
    assert count() == few


def test_signed_out_people_are_sent_to_sign_in(client):
    for url in (LIST, BELL):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# ---- opening and marking -------------------------------------------------------------------------


def test_opening_a_notification_marks_it_read_and_goes_where_it_points(personas):
    note = give(personas.employee.user, 1, url="/reviews/7/")[0]
    response = client_for(personas.employee.user).get(open_url(note))
    assert response.status_code == 302 and response["Location"] == "/reviews/7/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_opening_someone_elses_notification_is_a_404_and_leaves_it_unread(personas):
    theirs = give(personas.peer.user, 1)[0]
    for user in (personas.employee.user, personas.manager.user, personas.admin):
        assert client_for(user).get(open_url(theirs)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_a_missing_notification_is_a_404_too(personas):
    assert client_for(personas.employee.user).get(reverse("core:notification_open", args=[999999])).status_code == 404


def test_a_notification_pointing_off_site_or_nowhere_opens_the_list_instead(personas):
    offsite, nowhere = (
        give(personas.employee.user, 1, url="https://evil.example/x")[0],
        give(personas.employee.user, 1, url="")[0],
    )
    client = client_for(personas.employee.user)
    for note in (offsite, nowhere):
        response = client.get(open_url(note))
        assert response.status_code == 302 and response["Location"] == LIST
    assert client.get(open_url(give(personas.employee.user, 1, url="//evil.example/")[0]))["Location"] == LIST


def test_mark_all_read_marks_mine_and_nobody_elses(personas):
    give(personas.employee.user, 4)
    theirs = give(personas.peer.user, 2)
    response = client_for(personas.employee.user).post(READ_ALL)
    assert response.status_code == 302 and response["Location"] == LIST
    assert not Notification.objects.filter(user=personas.employee.user, read_at__isnull=True).exists()
    assert Notification.objects.filter(pk__in=[n.pk for n in theirs], read_at__isnull=True).count() == 2


def test_mark_all_read_only_answers_a_post(personas):
    give(personas.employee.user, 1)
    assert client_for(personas.employee.user).get(READ_ALL).status_code == 405
    assert Notification.objects.filter(read_at__isnull=True).count() == 1


def test_the_mark_all_button_shows_only_when_something_is_unread(personas):
    client = client_for(personas.employee.user)
    give(personas.employee.user, 1, read=True)
    assert 'data-testid="notifications-read-all"' not in client.get(LIST).content.decode()
    give(personas.employee.user, 1)
    assert 'data-testid="notifications-read-all"' in client.get(LIST).content.decode()


def test_a_notification_is_written_in_its_readers_language(personas):
    zh, en = personas.employee.user, personas.peer.user
    zh.language, en.language = "zh-hans", "en"
    zh.save(update_fields=["language"])
    en.save(update_fields=["language"])
    from django.utils.translation import gettext

    notify([zh, en], lambda _u: Message(title=gettext("Home"), body="", url="/"), email=False)
    assert client_for(zh).get(LIST).context["page"].items[0].title == "首页"
    assert client_for(en).get(LIST).context["page"].items[0].title == "Home"
