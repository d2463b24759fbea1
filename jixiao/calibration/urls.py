"""Pages of calibration (issue 7, decision 0011): sessions and 9-box (urls_sessions.py), bias (urls_bias.py)."""

from .urls_bias import urlpatterns as bias_urls
from .urls_sessions import urlpatterns as session_urls

app_name = "calibration"

urlpatterns = [*session_urls, *bias_urls]
