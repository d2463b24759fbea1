"""Pages of review cycles: my and my team's reviews, the review form, cycles for HR, configuration."""

from django.urls import path

from . import views, views_config, views_cycles, views_feedback, views_nominations, views_report

app_name = "reviews"

urlpatterns = [
    # reviews people write and read (views.py)
    path("", views.my_reviews, name="mine"),
    path("team/", views.team_reviews, name="team"),
    path("<int:review_id>/", views.review_detail, name="review"),
    path("<int:review_id>/acknowledge/", views.review_acknowledge, name="acknowledge"),
    path("evaluations/<int:evaluation_id>/", views.evaluation_edit, name="evaluation"),
    path("evaluations/<int:evaluation_id>/autosave/", views.evaluation_autosave, name="evaluation_autosave"),
    path("evaluations/<int:evaluation_id>/decide/", views.skip_level_decide, name="skip_level_decide"),
    # cycles (views_cycles.py)
    path("cycles/", views_cycles.cycles, name="cycles"),
    path("cycles/new/", views_cycles.cycle_new, name="cycle_new"),
    path("cycles/<int:cycle_id>/", views_cycles.cycle_detail, name="cycle"),
    path("cycles/<int:cycle_id>/edit/", views_cycles.cycle_edit, name="cycle_edit"),
    path("cycles/<int:cycle_id>/launch/", views_cycles.cycle_launch, name="cycle_launch"),
    path("cycles/<int:cycle_id>/launch/progress/", views_cycles.cycle_launch_progress, name="cycle_launch_progress"),
    path("cycles/<int:cycle_id>/advance/", views_cycles.cycle_advance, name="cycle_advance"),
    path("cycles/<int:cycle_id>/close/", views_cycles.cycle_close, name="cycle_close"),
    path("cycles/<int:cycle_id>/release/", views_cycles.cycle_release, name="cycle_release"),
    path("cycles/<int:cycle_id>/scoring/", views_cycles.cycle_scoring, name="cycle_scoring"),
    path("cycles/<int:cycle_id>/export.xlsx", views_cycles.cycle_export, name="cycle_export"),
    path("<int:review_id>/reassign/", views_cycles.review_reassign, name="reassign"),
    path("evaluations/<int:evaluation_id>/nudge/", views_cycles.evaluation_nudge, name="nudge"),
    # 360 feedback: choosing raters (views_nominations.py)
    path("<int:review_id>/nominations/", views_nominations.nominations, name="nominations"),
    path("nominations/<int:nomination_id>/decide/", views_nominations.nomination_decide, name="nomination_decide"),
    path("<int:review_id>/customers/", views_nominations.customer_invite, name="customer_invite"),
    path("team/nominations/", views_nominations.team_nominations, name="team_nominations"),
    path("cycles/<int:cycle_id>/nominations/", views_nominations.cycle_nominations, name="cycle_nominations"),
    path(
        "cycles/<int:cycle_id>/nominations/import/",
        views_nominations.cycle_nominations_import,
        name="cycle_nominations_import",
    ),
    # 360 feedback: giving it (views_feedback.py); customers have no account
    path("feedback/", views_feedback.feedback_inbox, name="feedback_inbox"),
    path("feedback/<int:evaluation_id>/", views_feedback.feedback_form, name="feedback_form"),
    path("feedback/<int:evaluation_id>/autosave/", views_feedback.feedback_autosave, name="feedback_autosave"),
    path("feedback/<int:evaluation_id>/decline/", views_feedback.feedback_decline, name="feedback_decline"),
    path("external/answer/", views_feedback.customer_answer, name="customer_answer"),
    path("external/done/", views_feedback.customer_done, name="customer_done"),
    path("external/<str:token>/", views_feedback.customer_link, name="customer_link"),
    # 360 feedback: reading it (views_report.py)
    path("<int:review_id>/360/", views_report.feedback_report, name="feedback_report"),
    path("<int:review_id>/360.pdf", views_report.feedback_report_pdf, name="feedback_report_pdf"),
    path("<int:review_id>/360/reveal/", views_report.feedback_reveal, name="feedback_reveal"),
    path("<int:review_id>/upward/", views_report.upward_report, name="upward_report"),
    path("cycles/<int:cycle_id>/upward/", views_report.cycle_upward, name="cycle_upward"),
    path("mine/export.xlsx", views_report.my_export, name="my_export"),
    # configuration (views_config.py)
    path("scales/", views_config.scales, name="scales"),
    path("scales/new/", views_config.scale_new, name="scale_new"),
    path("scales/<int:scale_id>/", views_config.scale_edit, name="scale_edit"),
    path("competencies/", views_config.competencies, name="competencies"),
    path("competencies/new/", views_config.competency_new, name="competency_new"),
    path("competencies/<int:competency_id>/", views_config.competency_edit, name="competency_edit"),
    path("competency-models/", views_config.competency_models, name="competency_models"),
    path("competency-models/new/", views_config.competency_model_new, name="competency_model_new"),
    path("competency-models/<int:model_id>/", views_config.competency_model_edit, name="competency_model_edit"),
    path("templates/", views_config.templates, name="templates"),
    path("templates/new/", views_config.template_new, name="template_new"),
    path("templates/<int:template_id>/", views_config.template_edit, name="template_edit"),
]
