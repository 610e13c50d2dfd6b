"""Print an example of every xAPI statement, or rewrite their block in a document (docs/integrations.md)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xapi import examples


class Command(BaseCommand):
    help = "Print one example of every xAPI statement sent (Markdown), or --write them into a document."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--write", metavar="FILE", help="Replace the examples block in FILE.")

    def handle(self, *args, write: str | None, **options) -> None:
        if not write:
            self.stdout.write(examples.markdown())
            return
        path = Path(write)
        try:
            document = path.read_text(encoding="utf-8")
            path.write_text(examples.replace_block(document), encoding="utf-8")
        except (OSError, ValueError) as error:
            raise CommandError(
                f"{path}: {error} (the file needs the xapi-examples start and end markers)"
            ) from None
        self.stdout.write(f"Wrote the xAPI examples into {path}.")
