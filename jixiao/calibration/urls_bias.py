"""Pages of calibration: rater bias and normalisation of a session (issue 7, decision 0011)."""

from django.urls import URLPattern, path

from . import views_bias

urlpatterns: list[URLPattern] = [
    path("sessions/<int:session_id>/bias/", views_bias.bias, name="bias"),
    path("sessions/<int:session_id>/normalise/", views_bias.normalise_preview, name="normalise_preview"),
    path("sessions/<int:session_id>/normalise/apply/", views_bias.normalise_apply, name="normalise_apply"),
]
