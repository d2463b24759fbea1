"""Pages of improvement and development plans (filled by issue 6)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
