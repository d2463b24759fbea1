"""Pages of the goals app."""

from django.urls import path

from . import views

app_name = "goals"

urlpatterns = [
    path("", views.my_goals, name="mine"),
    path("objectives/<int:objective_id>/", views.objective_detail, name="objective"),
    path("kpis/targets/<int:target_id>/", views.kpi_target_detail, name="kpi_target"),
]
