"""Placeholder pages: filled in by the review-cycles work (issue 4)."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse


def py(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


def cycles(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


def cycle_new(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


def cycle_detail(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


def cycle_edit(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


def cycle_launch(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


def cycle_launch_progress(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


def cycle_advance(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


def cycle_close(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


def cycle_release(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


def cycle_scoring(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


def cycle_export(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


def review_reassign(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


def evaluation_nudge(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404
