"""Print a new Ed25519 private key (PEM) for BADGES_SIGNING_KEY or BADGES_SIGNING_KEY_FILE."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from badges.keys import new_key_pem


class Command(BaseCommand):
    help = (
        "Print a new Ed25519 issuer key (PEM). Store it in a file (BADGES_SIGNING_KEY_FILE) or the variable."
    )

    def handle(self, *args, **options) -> None:
        self.stdout.write(new_key_pem(), ending="")
