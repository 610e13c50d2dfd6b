"""Queue and send scores to LMS gradebooks (lms/grades.py). Run from cron every minute on one or several
servers (a row is claimed before it is sent, so overlapping runs send it once):

* * * * *  cd /srv/diplomacy && .venv/bin/python manage.py send_lti_scores
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from lms import grades


class Command(BaseCommand):
    help = "Queue new quiz scores and course completions for LMS gradebooks and send the ones that are due."

    def handle(self, *args, **options) -> None:
        queued = grades.queue_scores()
        result = grades.send_due()
        self.stdout.write(f"{queued} queued, {result.sent} sent, {result.failed} failed (will be retried)")
