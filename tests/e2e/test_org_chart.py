"""The org chart page draws an ECharts tree (a canvas) without breaking the Content-Security-Policy."""

import pytest
from playwright.sync_api import Page, expect

CHART = '[data-testid="orgchart"]'


def open_chart(page: Page) -> None:
    page.goto("/org/chart/")
    expect(page.locator(CHART)).to_be_attached()


@pytest.mark.parametrize("username", ["ceo", "employee"])
def test_the_org_chart_renders_an_echarts_canvas(page_as, username):
    page = page_as(username)
    open_chart(page)
    canvas = page.locator(f"{CHART} canvas").first
    expect(canvas).to_be_visible()
    box = canvas.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 200, f"the canvas is too small to show a tree: {box}"
    assert page.evaluate("typeof window.echarts") == "object"


def test_the_org_chart_has_a_text_alternative_listing_the_departments(page_as):
    page = page_as("ceo")
    open_chart(page)
    page.get_by_test_id("orgchart-list-tab").click()
    listing = page.get_by_test_id("orgchart-list")
    expect(listing).to_be_visible()
    expect(listing.locator("a").first).to_be_visible()
