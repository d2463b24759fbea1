"""Placeholder pages: filled in by the review-cycles work (issue 4)."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse


def py(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


def scales(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


def scale_new(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


def scale_edit(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


def competencies(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


def competency_new(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


def competency_edit(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


def competency_models(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


def competency_model_new(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


def competency_model_edit(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


def templates(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


def template_new(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


def template_edit(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404
