from django.contrib.auth.management import create_permissions
from django.db import migrations

CONTENT_MODELS = [
    "course",
    "track",
    "glossaryterm",
    "source",
    "sourcesection",
    "reference",
    "module",
    "learningobjective",
    "lesson",
    "quiz",
    "question",
    "category",
    "choice",
    "simulation",
    "meter",
    "node",
    "option",
    "citation",
]


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations (post_migrate); create them now so they exist.
    app_config = apps.get_app_config("training")
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
        *Permission.objects.filter(content_type__app_label="training", codename__in=codenames)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Instructors").first()
    if group:
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="training", content_type__model__in=CONTENT_MODELS
            )
        )


class Migration(migrations.Migration):
    """Instructors may add, change, delete and view all curriculum content in the admin."""

    dependencies = [
        ("training", "0002_content"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
