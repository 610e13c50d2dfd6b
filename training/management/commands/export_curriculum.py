from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from training.models import Course
from training.publishing import publishable_export


class Command(BaseCommand):
    help = "Write a course from the database back to curriculum YAML."

    def add_arguments(self, parser):
        parser.add_argument("course", help="the course slug")
        parser.add_argument("-o", "--output", help="file to write (default: standard output)")

    def handle(self, *args, course, output, **options):
        found = Course.objects.filter(slug=course).first()
        if found is None:
            known = ", ".join(Course.objects.order_by("slug").values_list("slug", flat=True)) or "none loaded"
            raise CommandError(f"no course {course!r} (courses: {known})", returncode=2)
        export = publishable_export(found)  # without the drafts the loader would refuse, listed at the top
        text = export.text
        for label in export.left_out_labels:
            self.stderr.write(f"Left out (a draft with problems): {label}")
        if output:
            try:
                Path(output).write_text(text, encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"cannot write {output}: {exc.strerror}", returncode=2) from None
            self.stdout.write(f"Wrote course {course} to {output}.")
        else:
            self.stdout.write(text, ending="")
