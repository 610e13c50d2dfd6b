from django.contrib.auth.management import create_permissions
from django.db import migrations

CONTENT_MODELS = ["roleplay", "role", "issue", "issueoption", "phase", "inject", "debriefquestion"]


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations (post_migrate); create them now so they exist.
    app_config = apps.get_app_config("roleplay")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Instructors")
    codenames = [
        f"{action}_{model}" for model in CONTENT_MODELS for action in ("add", "change", "delete", "view")
    ]
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="roleplay", codename__in=codenames)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Instructors").first()
    if group:
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="roleplay", content_type__model__in=CONTENT_MODELS
            )
        )


class Migration(migrations.Migration):
    """Instructors may add, change, delete and view role-play scenarios in the admin, like other content."""

    dependencies = [
        ("roleplay", "0001_scenarios_and_sessions"),
        ("training", "0003_instructor_content_permissions"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
