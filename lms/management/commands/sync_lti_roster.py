"""Create or update the cohort of an LMS course from its roster (Names and Role Provisioning), as the
instructor's button on /lti/course/ does.

manage.py sync_lti_roster CONTEXT_ID COURSE_SLUG     # CONTEXT_ID: the LtiContext's id in our admin
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from lti_tool.models import LtiContext

from lms import roster
from training.models import Course


class Command(BaseCommand):
    help = "Create or update a cohort from an LMS course's roster (LTI Names and Role Provisioning)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("context_id", type=int)
        parser.add_argument("course_slug")

    def handle(self, *args, context_id: int, course_slug: str, **options) -> None:
        context = LtiContext.objects.select_related("deployment__registration").filter(pk=context_id).first()
        if context is None:
            raise CommandError(f"No LTI context with id {context_id}.")
        course = Course.objects.filter(slug=course_slug).first()
        if course is None:
            raise CommandError(f"No course with slug {course_slug!r}.")
        try:
            result = roster.sync_roster(context, course=course)
        except roster.RosterUnavailable as error:
            raise CommandError(f"The roster could not be read: {error}") from None
        self.stdout.write(result.summary)
