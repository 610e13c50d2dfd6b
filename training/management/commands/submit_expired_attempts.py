"""Submit every timed quiz attempt past its deadline and grace, as of its deadline (training.quizzes).

Run from cron every minute on any or every app server: each submission is the same conditional update as a
learner's own submit, so runs that overlap count an attempt once.

manage.py submit_expired_attempts     # prints how many it submitted
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from training import quizzes
from training.models import QuizAttempt


class Command(BaseCommand):
    help = "Submit the timed quiz attempts whose deadline (plus the grace) has passed."

    def handle(self, *args, **options) -> None:
        submitted = quizzes.submit_expired(QuizAttempt.objects.all())
        self.stdout.write(f"{submitted} expired attempt{'s' if submitted != 1 else ''} submitted")
