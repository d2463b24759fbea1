"""Pages of 1:1 meetings (issue 6, decision 0010); the views are in views_meetings.py."""

from django.urls import URLPattern, path

from . import views_meetings as views

urlpatterns: list[URLPattern] = [
    path("one-on-ones/", views.one_on_ones, name="one_on_ones"),
    path("one-on-ones/<int:series_id>/", views.one_on_one, name="one_on_one"),
    path("one-on-ones/<int:series_id>/schedule/", views.schedule, name="meeting_schedule"),
    path("one-on-ones/<int:series_id>/archive/", views.archive, name="one_on_one_archive"),
    path("one-on-ones/<int:series_id>/restore/", views.restore, name="one_on_one_restore"),
    path("meetings/<int:meeting_id>/", views.meeting, name="meeting"),
    path("meetings/<int:meeting_id>/complete/", views.complete, name="meeting_complete"),
    path("meetings/<int:meeting_id>/cancel/", views.cancel, name="meeting_cancel"),
    path("meetings/<int:meeting_id>/agenda/", views.agenda_add, name="agenda_add"),
    path("meetings/<int:meeting_id>/notes/", views.notes_save, name="meeting_notes"),
    path("meetings/<int:meeting_id>/private-notes/", views.private_save, name="private_notes"),
    path("meetings/<int:meeting_id>/actions/", views.action_add, name="action_add"),
    path("agenda-items/<int:item_id>/", views.agenda_change, name="agenda_change"),
    path("action-items/<int:item_id>/", views.action_change, name="action_change"),
]
