"""Recompute the cohorts' statistics roll-ups from the raw answers (training.rollups).

manage.py rebuild_rollups               # every cohort
manage.py rebuild_rollups --cohort 12   # one cohort (repeatable)
manage.py rebuild_rollups --check       # compare only: exit 1 when a cohort's roll-ups differ
manage.py rebuild_rollups --standings   # also refresh the learners' standing snapshots (after a curriculum
                                        # load, so the first view of a large cohort's page is not the one
                                        # that recomputes them)

The writers keep the roll-ups current; run this after importing answers with raw SQL or restoring a backup
of some tables only. Each cohort is rebuilt in its own transaction, so the instructor pages keep working.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from training import rollups, standing
from training.models import Cohort


class Command(BaseCommand):
    help = "Recompute the cohorts' statistics roll-ups from the raw answers."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--cohort", type=int, action="append", help="a cohort id (default: all)")
        parser.add_argument(
            "--check", action="store_true", help="compare with a recomputation, change nothing"
        )
        parser.add_argument(
            "--standings", action="store_true", help="also refresh the learners' standing snapshots"
        )

    def handle(self, *args, cohort: list[int] | None, check: bool, standings: bool, **options) -> None:
        cohorts = Cohort.objects.order_by("pk")
        if cohort:
            cohorts = cohorts.filter(pk__in=cohort)
        if check:
            stale = [c for c in cohorts if not rollups.same(rollups.stored(c), rollups.recompute(c))]
            for c in stale:
                self.stdout.write(f"cohort {c.pk} ({c.name}): roll-ups differ from a recomputation")
            if stale:
                raise CommandError(f"{len(stale)} cohort(s) out of date: run manage.py rebuild_rollups")
            self.stdout.write(f"{cohorts.count()} cohort(s) up to date")
            return
        count = rollups.rebuild(cohorts)
        self.stdout.write(f"Rebuilt the roll-ups of {count} cohort(s).")
        if standings:
            for c in cohorts.select_related("course"):
                members = list(c.memberships.values_list("user_id", flat=True))
                standing.snapshots(c.course, members)
                self.stdout.write(f"cohort {c.pk}: {len(members)} learners' standings current")
