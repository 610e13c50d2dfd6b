"""The tool's signing key (django-lti's Key model; its public part is served at /lti/jwks/).

manage.py lti_keys                      # generate one if there is no active key (make serve runs this)
manage.py lti_keys --import key.pem     # production: use this RSA private key (PEM); other keys stay active
                                        # until rotated out (manage.py rotate_keys, django-lti)
manage.py lti_keys --show               # print the public JWKS
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from jwcrypto.jwk import JWK
from lti_tool.models import Key

from lms.launching import ensure_key


class Command(BaseCommand):
    help = "Make sure the LTI tool has an active signing key (or import one), and show the public keys."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--import", dest="pem", metavar="FILE", help="RSA private key in PEM format")
        parser.add_argument("--show", action="store_true", help="print the public JWKS")

    def handle(self, *args, pem: str | None = None, show: bool = False, **options) -> None:
        if pem:
            try:
                jwk = JWK.from_pem(Path(pem).read_bytes())
            except (OSError, ValueError, TypeError) as error:
                raise CommandError(f"{pem}: not a readable PEM private key ({error})") from None
            if not jwk.has_private or jwk.get("kty") != "RSA":
                raise CommandError(f"{pem}: an RSA private key is needed")
            key = Key.objects.create_from_jwk(jwk)
            self.stdout.write(f"Imported LTI key {key}")
        else:
            key = ensure_key()
            self.stdout.write(f"LTI signing key: {key}")
        if show:
            self.stdout.write(json.dumps(Key.objects.as_jwks(), indent=2))
