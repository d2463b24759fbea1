"""Pages of appeals (issue 7, decision 0011)."""

from django.urls import path

from . import views

app_name = "appeals"

urlpatterns = [
    path("", views.my_appeals, name="mine"),
    path("hr/", views.appeals_list, name="list"),
    path("report/", views.appeals_report, name="report"),
    path("review/<int:review_id>/new/", views.appeal_new, name="file"),
    path("review/<int:review_id>/panel/", views.review_panel, name="review_panel"),
    path("<int:appeal_id>/", views.appeal_detail, name="appeal"),
    path("<int:appeal_id>/take-up/", views.appeal_take_up, name="take_up"),
    path("<int:appeal_id>/reassign/", views.appeal_reassign, name="reassign"),
    path("<int:appeal_id>/respond/", views.appeal_respond, name="respond"),
    path("<int:appeal_id>/decide/", views.appeal_decide, name="decide"),
    path("attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
]
