"""Pages of calibration (issue 7, decision 0011)."""

from django.urls import URLPattern, path

app_name = "calibration"

urlpatterns: list[URLPattern] = []
