"""Pages for choosing 360 raters (decision 0009): nominating peers, approving them, inviting customers."""

from django.http import Http404, HttpRequest, HttpResponse


def _todo(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


nominations = _todo
nomination_decide = _todo
customer_invite = _todo
team_nominations = _todo
cycle_nominations = _todo
cycle_nominations_import = _todo
