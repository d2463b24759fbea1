from django.contrib.auth import views as auth_views
from django.urls import path

from . import views, views_admin

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("admin/users/", views_admin.users, name="admin_users"),
    path("admin/users/<int:account_id>/", views_admin.user_detail, name="admin_user"),
    path("admin/users/<int:account_id>/<slug:change>/", views_admin.user_change, name="admin_user_change"),
]
