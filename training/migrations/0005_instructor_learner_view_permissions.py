from django.contrib.auth.management import create_permissions
from django.db import migrations

LEARNER_MODELS = [
    "lessonprogress",
    "checkanswer",
    "quizattempt",
    "response",
    "simulationrun",
    "simulationstep",
    "reviewcard",
    "reviewlog",
    "cohort",
    "cohortmembership",
    "certificate",
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
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="training",
            codename__in=[f"view_{model}" for model in LEARNER_MODELS],
        )
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Instructors").first()
    if group:
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="training", content_type__model__in=LEARNER_MODELS
            )
        )


class Migration(migrations.Migration):
    """Instructors may view learner data in the admin, and nothing more: no add, change or delete."""

    dependencies = [("training", "0004_learning")]

    operations = [migrations.RunPython(grant, revoke)]
