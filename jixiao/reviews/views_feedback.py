"""Pages for giving 360 feedback (decision 0009): the rater's inbox and form, declining, and customers' links."""

from django.http import Http404, HttpRequest, HttpResponse


def _todo(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


feedback_inbox = _todo
feedback_form = _todo
feedback_autosave = _todo
feedback_decline = _todo
customer_link = _todo
customer_answer = _todo
customer_done = _todo
