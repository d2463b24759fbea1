from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "jixiao.conversations"
    label = "conversations"
    default_auto_field = "django.db.models.BigAutoField"
