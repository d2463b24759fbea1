"""URL wiring only; each app owns its own urls.py."""

from django.urls import include, path

from jixiao.core import views as core_views

from .api import api

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("accounts/", include("jixiao.accounts.urls")),
    path("org/", include("jixiao.org.urls")),
    path("audit/", include("jixiao.audit.urls")),
    path("goals/", include("jixiao.goals.urls")),
    path("reviews/", include("jixiao.reviews.urls")),
    path("conversations/", include("jixiao.conversations.urls")),
    path("calibration/", include("jixiao.calibration.urls")),
    path("appeals/", include("jixiao.appeals.urls")),
    path("", include("jixiao.core.urls")),
]
