"""Pages of calibration: sessions (issue 7, decision 0011)."""

from django.urls import URLPattern, path

from . import views

urlpatterns: list[URLPattern] = [
    path("", views.sessions, name="sessions"),
    path("sessions/new/", views.session_new, name="session_new"),
    path("sessions/<int:session_id>/", views.session, name="session"),
    path("sessions/<int:session_id>/move/", views.member_move, name="member_move"),
    path("sessions/<int:session_id>/potential/", views.member_potential, name="member_potential"),
    path("sessions/<int:session_id>/guide/", views.session_guide, name="session_guide"),
    path("sessions/<int:session_id>/participants/", views.session_participants, name="session_participants"),
    path("sessions/<int:session_id>/close/", views.session_close, name="session_close"),
    path("sessions/<int:session_id>/summary/", views.session_summary, name="session_summary"),
]
