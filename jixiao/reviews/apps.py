from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "jixiao.reviews"
    label = "reviews"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from jixiao.core import home_cards

        from .selectors import home_card

        home_cards.register(home_card)
