"""Pages of continuous feedback (issue 6, decision 0010)."""

from django.urls import URLPattern, path

from . import views_feedback as views

urlpatterns: list[URLPattern] = [
    path("feedback/", views.home, name="feedback"),
    path("feedback/give/", views.give, name="feedback_give"),
    path("feedback/wall/", views.praise_wall, name="praise_wall"),
    path("feedback/<int:feedback_id>/", views.detail, name="feedback_detail"),
    path("feedback/requests/", views.requests, name="feedback_requests"),
    path("feedback/requests/new/", views.request_new, name="feedback_request_new"),
    path("feedback/requests/<int:request_id>/answer/", views.answer, name="feedback_answer"),
    path("feedback/requests/<int:request_id>/decline/", views.decline, name="feedback_decline"),
]
