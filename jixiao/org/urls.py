from django.urls import path

from . import views, views_import

app_name = "org"
urlpatterns = [
    path("me/", views.me, name="me"),
    path("people/", views.directory, name="directory"),
    path("people/<int:employee_id>/", views.employee, name="employee"),
    path("people/<int:employee_id>/edit/", views.employee_edit, name="employee_edit"),
    path("departments/<int:department_id>/", views.department, name="department"),
    path("departments/<int:department_id>/edit/", views.department_edit, name="department_edit"),
    path("departments/<int:department_id>/new/", views.department_new, name="department_new"),
    path("chart/", views.chart, name="chart"),
    path("chart/nodes/", views.chart_nodes, name="chart_nodes"),
    path("import/", views_import.import_page, name="import"),
    path("import/template.xlsx", views_import.import_template, name="import_template"),
    path("import/jobs/<int:job_id>/", views_import.import_job, name="import_job"),
    path("import/jobs/<int:job_id>/status/", views_import.import_job_status, name="import_job_status"),
]
