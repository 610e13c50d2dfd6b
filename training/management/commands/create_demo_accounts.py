"""Create (or reset) the demo learner and demo instructor for local use. Refused when DEBUG is off."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from training.permissions import INSTRUCTORS_GROUP

DEMO_ACCOUNTS = [
    # username, password, is instructor
    ("learner", "learn-tracks-demo", False),
    ("instructor", "teach-tracks-demo", True),
]


class Command(BaseCommand):
    help = "Create or reset the demo accounts (a learner and an instructor) and print their logins."

    def handle(self, *args: object, **options: object) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "Demo accounts have well-known passwords and are refused when DEBUG is off. "
                "Set DJANGO_DEBUG=true for a local trial."
            )
        User = get_user_model()
        instructors, _ = Group.objects.get_or_create(name=INSTRUCTORS_GROUP)
        self.stdout.write("Demo logins:")
        for username, password, is_instructor in DEMO_ACCOUNTS:
            user, created = User.objects.get_or_create(
                username=username, defaults={"email": f"{username}@example.org"}
            )
            user.set_password(password)
            user.is_staff = is_instructor
            user.save()
            if is_instructor:
                user.groups.add(instructors)
            role = (
                "instructor (admin at /admin/, instructor area at /instructor/)"
                if is_instructor
                else "learner"
            )
            verb = "created" if created else "reset"
            self.stdout.write(f"  {role:<64} username: {username:<11} password: {password}   ({verb})")
