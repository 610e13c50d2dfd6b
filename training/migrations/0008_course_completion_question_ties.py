from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("training", "0007_quiz_results"),
    ]

    operations = [
        migrations.AddField(
            model_name="course",
            name="completion",
            field=models.JSONField(
                blank=True,
                default=dict,
                editable=False,
                help_text="What the certificate needs, authored in the course's YAML: the non-default values of "
                "training.completion.CompletionRule ({} = the default rule).",
            ),
        ),
        migrations.AddField(
            model_name="question",
            name="ties",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="Order questions: lists of choice keys whose steps may come in either order.",
            ),
        ),
    ]
