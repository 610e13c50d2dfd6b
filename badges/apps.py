from django.apps import AppConfig


class BadgesConfig(AppConfig):
    name = "badges"
    verbose_name = "Open Badges"
    default_auto_field = "django.db.models.BigAutoField"
