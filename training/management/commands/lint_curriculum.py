from django.core.management.base import BaseCommand, CommandError

from training.curriculum.lint import lint_course
from training.curriculum.loader import UsageError, read_courses


class Command(BaseCommand):
    help = "Validate curriculum YAML and warn about quality problems (feedback, citations, coverage)."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="a course file, or a folder holding one course")
        parser.add_argument("--strict", action="store_true", help="exit 1 on any warning")

    def handle(self, *args, paths, strict, **options):
        try:
            courses, problems = read_courses(paths)
        except UsageError as exc:
            raise CommandError(str(exc), returncode=2) from None
        if problems:
            for problem in sorted(problems):
                self.stderr.write(str(problem))
            count = len(problems)
            raise CommandError(f"{count} error{'s' if count != 1 else ''}.", returncode=1)
        warnings = 0
        for course in courses:
            result = lint_course(course)
            warnings += len(result.warnings)
            for warning in result.warnings:
                self.stdout.write(str(warning))
            for line in result.coverage:
                self.stdout.write(line)
            self.stdout.write(f"{course.name}: valid, {len(result.warnings)} warning(s).")
        if strict and warnings:
            raise CommandError(f"{warnings} warning(s) in strict mode.", returncode=1)
