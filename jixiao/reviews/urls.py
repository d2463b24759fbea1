"""Pages of review cycles: my and my team's reviews, the review form, cycles for HR, configuration."""

from django.urls import path

from . import views, views_config, views_cycles

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
