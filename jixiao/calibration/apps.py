from django.apps import AppConfig


class CalibrationConfig(AppConfig):
    name = "jixiao.calibration"
    label = "calibration"
    default_auto_field = "django.db.models.BigAutoField"
