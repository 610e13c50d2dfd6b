from django.apps import AppConfig


class LmsConfig(AppConfig):
    name = "lms"
    verbose_name = "LMS integration: LTI 1.3 tool"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from lms import signals

        signals.connect()
