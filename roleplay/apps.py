from django.apps import AppConfig


class RolePlayConfig(AppConfig):
    name = "roleplay"
    verbose_name = "Role-plays"
