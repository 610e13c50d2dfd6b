from django.core.management.base import BaseCommand, CommandError

from training.curriculum.loader import UsageError, load_curriculum
from training.curriculum.problems import CurriculumError


class Command(BaseCommand):
    help = "Validate curriculum YAML (files, or folders of *.yaml) and load it in one transaction."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="a course file, or a folder holding one course")
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and print the plan; write nothing"
        )

    def handle(self, *args, paths, dry_run, **options):
        try:
            reports = load_curriculum(paths, dry_run=dry_run)
        except UsageError as exc:
            raise CommandError(str(exc), returncode=2) from None
        except CurriculumError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            count = len(exc.problems)
            raise CommandError(
                f"{count} error{'s' if count != 1 else ''}; nothing was loaded.", returncode=1
            ) from None
        verb = "Would load" if dry_run else "Loaded"
        for report in reports:
            self.stdout.write(f"{verb} course {report.course}:")
            for line in report.lines():
                self.stdout.write(line)
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
