"""Pages of conversations: continuous feedback (urls_feedback.py) and 1:1 meetings (urls_meetings.py)."""

from .urls_feedback import urlpatterns as feedback_urls
from .urls_meetings import urlpatterns as meeting_urls

app_name = "conversations"

urlpatterns = [*feedback_urls, *meeting_urls]
