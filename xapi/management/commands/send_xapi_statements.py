"""Deliver the queued xAPI statements to the LRS (XAPI_LRS_URL): once, or `--loop` as a service.

Several copies may run at once, on one server or many (xapi/sender.py): each takes different statements.
"""

from __future__ import annotations

import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from xapi.sender import send_due


class Command(BaseCommand):
    help = "Send the queued xAPI statements to the learning record store (XAPI_LRS_URL)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="Keep running, sending as statements arrive.")
        parser.add_argument(
            "--interval", type=float, default=5.0, help="With --loop: seconds between rounds (default 5)."
        )
        parser.add_argument(
            "--batch-size", type=int, default=None, help="Statements per POST (XAPI_BATCH_SIZE)."
        )

    def handle(self, *args, loop: bool, interval: float, batch_size: int | None, **options) -> None:
        if not settings.XAPI_LRS_URL:
            self.stdout.write("XAPI_LRS_URL is not set: no statement is queued, nothing to send.")
            return
        if batch_size is not None and batch_size < 1:
            self.stderr.write("--batch-size must be at least 1.")
            raise SystemExit(2)
        stopping = False

        def stop(signum, frame) -> None:
            nonlocal stopping
            stopping = True

        if loop:
            signal.signal(signal.SIGTERM, stop)
            signal.signal(signal.SIGINT, stop)
        while True:
            report = send_due(batch_size=batch_size)
            if report.sent or report.failed or not loop:
                self.stdout.write(f"sent {report.sent}, failed {report.failed} ({report.batches} batch(es))")
            if not loop or stopping:
                return
            slept = 0.0
            while slept < interval and not stopping:
                time.sleep(0.2)
                slept += 0.2
            if stopping:
                return
