"""Pages for reading 360 feedback (decision 0009): the report, its PDF, the upward report, HR's reveal, my export."""

from django.http import Http404, HttpRequest, HttpResponse


def _todo(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


feedback_report = _todo
feedback_report_pdf = _todo
feedback_reveal = _todo
upward_report = _todo
cycle_upward = _todo
my_export = _todo
