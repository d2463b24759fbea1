"""Pages of the goals app: personal and team goals, boards and the alignment tree, strategy and
company settings, goal templates, and KPIs."""

from django.urls import path

from . import views, views_kpi, views_strategy

app_name = "goals"

urlpatterns = [
    # personal and team goals (views.py)
    path("", views.my_goals, name="mine"),
    path("team/", views.team_goals, name="team"),
    path("objectives/new/", views.objective_new, name="objective_new"),
    path("objectives/<int:objective_id>/", views.objective_detail, name="objective"),
    path("objectives/<int:objective_id>/edit/", views.objective_edit, name="objective_edit"),
    path("objectives/<int:objective_id>/delete/", views.objective_delete, name="objective_delete"),
    path("key-results/<int:key_result_id>/check-in/", views.check_in, name="check_in"),
    path("plans/<int:employee_id>/<int:period_id>/", views.plan, name="plan"),
    # boards, tree, strategy, periods, settings, templates (views_strategy.py)
    path("tree/", views_strategy.alignment_tree, name="tree"),
    path("tree/data.json", views_strategy.alignment_tree_data, name="tree_data"),
    path("departments/<int:department_id>/", views_strategy.department_board, name="department_board"),
    path("strategy/", views_strategy.strategy, name="strategy"),
    path("strategy/edit/", views_strategy.strategy_edit, name="strategy_edit"),
    path("strategy/values/new/", views_strategy.value_new, name="value_new"),
    path("strategy/values/<int:value_id>/", views_strategy.value_edit, name="value_edit"),
    path("periods/", views_strategy.periods, name="periods"),
    path("settings/", views_strategy.goal_settings_edit, name="settings"),
    path("templates/", views_strategy.templates, name="templates"),
    path("templates/new/", views_strategy.template_new, name="template_new"),
    path("templates/<int:template_id>/", views_strategy.template_edit, name="template_edit"),
    path("templates/<int:template_id>/assign/", views_strategy.template_assign, name="template_assign"),
    # KPIs (views_kpi.py)
    path("kpis/", views_kpi.kpi_board, name="kpi_board"),
    path("kpis/library/", views_kpi.kpi_library, name="kpi_library"),
    path("kpis/library/new/", views_kpi.indicator_new, name="indicator_new"),
    path("kpis/library/<int:indicator_id>/", views_kpi.indicator_edit, name="indicator_edit"),
    path("kpis/areas/", views_kpi.business_areas, name="business_areas"),
    path("kpis/targets/new/", views_kpi.kpi_target_new, name="kpi_target_new"),
    path("kpis/targets/assign/", views_kpi.kpi_targets_assign, name="kpi_targets_assign"),
    path("kpis/targets/<int:target_id>/", views_kpi.kpi_target_detail, name="kpi_target"),
    path("kpis/targets/<int:target_id>/edit/", views_kpi.kpi_target_edit, name="kpi_target_edit"),
    path("kpis/targets/<int:target_id>/actuals/", views_kpi.actual_record, name="actual_record"),
    path("kpis/import/", views_kpi.actuals_import, name="actuals_import"),
    path("kpis/import/template.xlsx", views_kpi.actuals_import_template, name="actuals_import_template"),
    path("kpis/import/<int:job_id>/", views_kpi.actuals_import_job, name="actuals_import_job"),
]
