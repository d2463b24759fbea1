"""Pages of 1:1 meetings (filled by issue 6)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
