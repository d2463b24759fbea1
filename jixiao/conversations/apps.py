from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "jixiao.conversations"
    label = "conversations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from jixiao.core import home_cards

        from .selectors_home import home_card

        home_cards.register(home_card)
