"""The KPI pages and the actuals import run a fixed number of queries, whether there are 3 targets or 40."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jixiao.goals import selectors_kpi, services_kpi
from jixiao.goals import testing as f
from jixiao.goals.imports_kpi import actuals_import_file
from jixiao.goals.models import BusinessArea, Indicator, KPITarget
from jixiao.org.testing_import import csv_bytes

pytestmark = pytest.mark.django_db

# Every signed-in page: the session, the user, and the reader's place and HR scopes (actor_context).
BASE = 4
# + the periods, the rating table, the total, one page of targets, ONE query of actuals for all their
# trends, and the owners' weight totals.
BOARD = BASE + 6
# + the target (gate), the rating table, and its actuals with who recorded them.
TARGET = BASE + 3
# + the business areas and their KPIs.
LIBRARY = BASE + 2


def grow_targets(personas, period, count: int, *, area: BusinessArea | None = None) -> list[KPITarget]:
    """`count` KPIs given to the employee (by her manager), each with three recorded actuals."""
    admin = personas.admin
    area = area or services_kpi.business_area_save(actor=admin, name=f"区{count}")
    targets = []
    for i in range(count):
        indicator = f.make_indicator(admin, code=f"Q{count}-{i:03d}", area=area)
        targets.append(
            f.make_kpi_target(
                personas.manager.user, indicator, period, employee=personas.employee, target=100, weight=1
            )
        )
    services_kpi.kpi_actuals_record(
        actor=admin,
        rows=[
            services_kpi.ActualRow(t.pk, dt.date(2027, m, 1), Decimal(10 * m + i))
            for i, t in enumerate(targets)
            for m in (1, 2, 3)
        ],
        source="import",
    )
    return targets


def count_queries(client: Client, url: str, data: dict | None = None, **headers) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, data or {}, **headers)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.fixture
def period(personas):
    return f.make_period(personas.admin, "FY2027")


def test_the_board_runs_the_same_queries_for_3_and_40_targets(personas, period):
    client = Client()
    client.force_login(personas.employee.user)
    url = reverse("goals:kpi_board")
    grow_targets(personas, period, 3)
    small = count_queries(client, url, {"period": period.pk})
    grow_targets(personas, period, 37)
    large = count_queries(client, url, {"period": period.pk})
    html = client.get(url, {"period": period.pk}).content.decode()
    assert html.count('data-testid="kpi-row"') == 40
    assert html.count("data-kpi-spark=") == 40
    assert small == large == BOARD


def test_the_team_and_department_tabs_and_the_more_rows_run_fixed_queries(personas, period):
    grow_targets(personas, period, 3)
    manager = Client()
    manager.force_login(personas.manager.user)
    hr = Client()
    hr.force_login(personas.scoped_hr)
    url = reverse("goals:kpi_board")
    team_small = count_queries(manager, url, {"scope": "team"})
    dept_small = count_queries(hr, url, {"scope": "department", "department": personas.sales.pk})
    rows_small = count_queries(hr, url, {"scope": "department", "rows": "1", "after": 1}, HTTP_HX_REQUEST="true")
    grow_targets(personas, period, 37)
    assert count_queries(manager, url, {"scope": "team"}) == team_small
    assert count_queries(hr, url, {"scope": "department", "department": personas.sales.pk}) == dept_small
    rows_large = count_queries(hr, url, {"scope": "department", "rows": "1", "after": 1}, HTTP_HX_REQUEST="true")
    assert rows_large == rows_small


def test_keyset_pages_list_every_target_once_in_order(personas, period):
    grow_targets(personas, period, 12)
    f.make_kpi_target(personas.skip.user, Indicator.objects.all()[0], period, department=personas.east, target=10)
    everything = selectors_kpi.kpi_board_page(
        user=personas.scoped_hr, scope="department", period=period, department=None, size=100
    )
    seen, after = [], None
    while True:
        page = selectors_kpi.kpi_board_page(
            user=personas.scoped_hr, scope="department", period=period, after=after, size=5, with_total=False
        )
        seen += [row.target.pk for row in page.rows]
        after = page.next_after
        if after is None:
            break
    assert seen == [row.target.pk for row in everything.rows]
    assert len(seen) == everything.total == 13


def test_the_target_page_runs_the_same_queries_for_1_and_30_actuals(personas, period):
    client = Client()
    client.force_login(personas.employee.user)
    target = grow_targets(personas, period, 1)[0]
    small = count_queries(client, target.get_absolute_url())
    services_kpi.kpi_actuals_record(
        actor=personas.admin,
        rows=[
            services_kpi.ActualRow(target.pk, dt.date(2027, 4, 1) + dt.timedelta(days=d), Decimal(d)) for d in range(27)
        ],
        source="api",
    )
    assert count_queries(client, target.get_absolute_url()) == small == TARGET


def test_the_library_runs_the_same_queries_for_2_and_20_kpis(personas, period):
    client = Client()
    client.force_login(personas.employee.user)
    grow_targets(personas, period, 2)
    small = count_queries(client, reverse("goals:kpi_library"))
    grow_targets(personas, period, 18)
    assert count_queries(client, reverse("goals:kpi_library")) == small == LIBRARY


def test_the_import_runs_the_same_queries_for_10_and_300_rows(personas, period):
    small_targets = grow_targets(personas, period, 2)
    header = ["employee_number", "kpi_code", "date", "value"]
    number = personas.employee.employee_number

    def file_of(targets, days: int) -> bytes:
        rows = [
            [number, t.indicator.code, (dt.date(2027, 5, 1) + dt.timedelta(days=d)).isoformat(), str(d)]
            for t in targets
            for d in range(days)
        ]
        return csv_bytes(rows, header=header)

    with CaptureQueriesContext(connection) as small:
        result = actuals_import_file(actor=personas.scoped_hr, data=file_of(small_targets, 5), period=period)
    assert result.created == 10
    more_targets = grow_targets(personas, period, 10)
    with CaptureQueriesContext(connection) as large:
        result = actuals_import_file(actor=personas.scoped_hr, data=file_of(more_targets, 30), period=period)
    assert result.created == 300
    assert len(large.captured_queries) == len(small.captured_queries)
