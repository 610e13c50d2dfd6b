"""Write or read one value in the configured cache: shows that several app servers share one (Redis) cache.

manage.py cache_probe set KEY VALUE    # stores it for 60 seconds
manage.py cache_probe get KEY          # prints the value, exit 1 when it is not there
"""

from __future__ import annotations

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError

PREFIX = "cache-probe:"


class Command(BaseCommand):
    help = "Set or get a value in the configured cache (to check that app servers share it)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["set", "get"])
        parser.add_argument("key")
        parser.add_argument("value", nargs="?", default="")

    def handle(self, *args, action: str, key: str, value: str, **options) -> None:
        if action == "set":
            cache.set(PREFIX + key, value, timeout=60)
            self.stdout.write(value)
            return
        found = cache.get(PREFIX + key)
        if found is None:
            raise CommandError(f"{key!r} is not in the cache")
        self.stdout.write(str(found))
