"""Pages of improvement and development plans (filled by issue 6)."""

from django.urls import URLPattern, path

from . import views_evidence, views_idp, views_pip

urlpatterns: list[URLPattern] = []

# Improvement plans (PIP, helper I).
urlpatterns += [
    path("improvement/", views_pip.pip_mine, name="pip_mine"),
    path("improvement/team/", views_pip.pip_team, name="pip_team"),
    path("improvement/hr/", views_pip.pip_hr, name="pip_hr"),
    path("improvement/new/", views_pip.pip_new, name="pip_new"),
    path("improvement/row/<str:kind>/", views_pip.pip_row, name="pip_row"),
    path("improvement/<int:plan_id>/", views_pip.pip_detail, name="pip_detail"),
    path("improvement/<int:plan_id>/edit/", views_pip.pip_edit, name="pip_edit"),
    path("improvement/<int:plan_id>/expectations/", views_pip.pip_expectations, name="pip_expectations"),
    path("improvement/<int:plan_id>/send/", views_pip.pip_send, name="pip_send"),
    path("improvement/<int:plan_id>/acknowledge/", views_pip.pip_acknowledge, name="pip_acknowledge"),
    path("improvement/<int:plan_id>/extend/", views_pip.pip_extend, name="pip_extend"),
    path("improvement/<int:plan_id>/close/", views_pip.pip_close, name="pip_close"),
    path("improvement/<int:plan_id>/pdf/", views_pip.pip_pdf, name="pip_pdf"),
    path("improvement/checkpoints/<int:checkpoint_id>/notes/", views_pip.pip_note, name="pip_note"),
]

# Development plans (IDP) and the evidence panel of the review form (helper J).
urlpatterns += [
    path("development/", views_idp.idp_mine, name="idp_mine"),
    path("development/new/", views_idp.idp_create, name="idp_create"),
    path("development/team/", views_idp.idp_team, name="idp_team"),
    path("development/<int:plan_id>/", views_idp.idp_plan, name="idp_plan"),
    path("development/<int:plan_id>/needs/", views_idp.idp_need_add, name="idp_need_add"),
    path("development/<int:plan_id>/needs/<int:need_id>/", views_idp.idp_need_update, name="idp_need_update"),
    path("development/<int:plan_id>/needs/<int:need_id>/remove/", views_idp.idp_need_remove, name="idp_need_remove"),
    path("development/<int:plan_id>/actions/", views_idp.idp_action_add, name="idp_action_add"),
    path(
        "development/<int:plan_id>/actions/<int:action_id>/status/",
        views_idp.idp_action_status,
        name="idp_action_status",
    ),
    path("development/<int:plan_id>/comment/", views_idp.idp_comment, name="idp_comment"),
    path("development/<int:plan_id>/close/", views_idp.idp_close, name="idp_close"),
    path("evidence/<int:review_id>/", views_evidence.evidence, name="evidence"),
]
