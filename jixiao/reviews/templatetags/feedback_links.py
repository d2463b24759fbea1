"""`{% feedback_access review as access %}`: what the reader may see of a review's 360 feedback (no query).

For links on pages owned elsewhere (the review page links to the 360 report only when access.report).
"""

from __future__ import annotations

from django import template

from jixiao.reviews.models import Review
from jixiao.reviews.selectors_feedback import FeedbackAccess
from jixiao.reviews.selectors_feedback import feedback_access as _feedback_access

register = template.Library()


@register.simple_tag(takes_context=True)
def feedback_access(context: template.Context, review: Review) -> FeedbackAccess | None:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if user is None or review is None:
        return None
    return _feedback_access(user, review)
