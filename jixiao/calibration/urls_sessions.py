"""Pages of calibration: sessions (issue 7, decision 0011)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
