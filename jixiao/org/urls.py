from django.urls import path

from . import views

app_name = "org"
urlpatterns = [
    path("me/", views.me, name="me"),
    path("people/", views.directory, name="directory"),
    path("people/<int:employee_id>/", views.employee, name="employee"),
    path("departments/<int:department_id>/", views.department, name="department"),
    path("chart/", views.chart, name="chart"),
    path("import/", views.import_page, name="import"),
]
