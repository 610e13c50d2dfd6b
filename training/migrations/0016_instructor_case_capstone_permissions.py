from django.contrib.auth.management import create_permissions
from django.db import migrations

CONTENT_MODELS = ["case", "capstone"]
# Instructors grade capstones: they read and change submissions (of their cohorts' learners, in the app).
LEARNER_MODELS = ["capstonesubmission", "modulereflection"]


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
    ] + [f"view_{model}" for model in LEARNER_MODELS]
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
                content_type__app_label="training", content_type__model__in=CONTENT_MODELS + LEARNER_MODELS
            )
        )


class Migration(migrations.Migration):
    """Instructors may edit case pages and capstones in the admin, like other content, and view learners'
    capstone submissions and module reflections."""

    dependencies = [("training", "0015_case_library_capstone_reflections")]

    operations = [migrations.RunPython(grant, revoke)]
