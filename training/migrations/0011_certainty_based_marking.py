from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("training", "0010_simulation_consequences"),
    ]

    operations = [
        migrations.AddField(
            model_name="quiz",
            name="certainty",
            field=models.BooleanField(
                default=False,
                help_text="Certainty-based marking: the learner says how sure they are of each answer.",
            ),
        ),
        migrations.AddField(
            model_name="quizattempt",
            name="mark_average",
            field=models.FloatField(
                blank=True,
                null=True,
                help_text="Certainty-based marking: average mark per question (−6 to 3).",
            ),
        ),
        migrations.AddField(
            model_name="response",
            name="certainty",
            field=models.PositiveSmallIntegerField(
                blank=True, null=True, help_text="Certainty-based marking: 1 low, 2 mid, 3 high."
            ),
        ),
        migrations.AddField(
            model_name="response",
            name="mark",
            field=models.FloatField(blank=True, null=True, help_text="Certainty-based mark, −6 to 3."),
        ),
    ]
