"""Placeholder pages: filled in by the review-cycles work (issue 4)."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse


def py(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


def my_reviews(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


def team_reviews(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


def review_detail(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


def review_acknowledge(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


def evaluation_edit(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


def evaluation_autosave(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


def skip_level_decide(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404
