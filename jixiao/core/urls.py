from django.urls import path

from . import views, views_notifications

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("i18n/language/", views.set_language, name="set_language"),
    path("notifications/", views_notifications.notifications, name="notifications"),
    path("notifications/bell/", views_notifications.notifications_bell, name="notifications_bell"),
    path("notifications/read-all/", views_notifications.notifications_read_all, name="notifications_read_all"),
    path("notifications/<int:notification_id>/", views_notifications.notification_go, name="notification_open"),
]
