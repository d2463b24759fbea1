"""Pages of conversations: feedback (urls_feedback.py), 1:1 meetings (urls_meetings.py), plans (urls_plans.py)."""

from .urls_feedback import urlpatterns as feedback_urls
from .urls_meetings import urlpatterns as meeting_urls
from .urls_plans import urlpatterns as plan_urls

app_name = "conversations"

urlpatterns = [*feedback_urls, *meeting_urls, *plan_urls]
