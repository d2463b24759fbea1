"""Pages of appeals (issue 7, decision 0011)."""

from django.urls import URLPattern, path

app_name = "appeals"

urlpatterns: list[URLPattern] = []
