"""Pages of continuous feedback (filled by issue 6)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
