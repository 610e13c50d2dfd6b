"""The issuer's Ed25519 key: from BADGES_SIGNING_KEY or BADGES_SIGNING_KEY_FILE; generated for local use."""

from __future__ import annotations

import os
from functools import cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

ALGORITHM = "EdDSA"


class NoSigningKey(Exception):  # noqa: N818 - a state, reported to the page
    """No issuer key is configured (production without BADGES_SIGNING_KEY)."""


def new_key_pem() -> str:
    key = Ed25519PrivateKey.generate()
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


def _dev_key_pem() -> str:
    """The generated key of a local install (DEBUG): kept in BADGES_DEV_KEY_FILE so badges survive restarts."""
    path = settings.BADGES_DEV_KEY_FILE
    if not path.exists():
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(new_key_pem())
    return path.read_text()


@cache
def _testing_key_pem() -> str:
    return new_key_pem()


def private_key_pem() -> str:
    if settings.BADGES_SIGNING_KEY:
        pem = settings.BADGES_SIGNING_KEY
    elif settings.BADGES_SIGNING_KEY_FILE:
        try:
            with open(settings.BADGES_SIGNING_KEY_FILE) as file:
                pem = file.read()
        except OSError as error:
            raise ImproperlyConfigured(f"BADGES_SIGNING_KEY_FILE cannot be read: {error}") from None
    elif settings.DEBUG:
        pem = _dev_key_pem()
    elif settings.TESTING:
        pem = _testing_key_pem()
    else:
        raise NoSigningKey("No issuer key: set BADGES_SIGNING_KEY or BADGES_SIGNING_KEY_FILE.")
    return _checked(pem)


@cache
def _checked(pem: str) -> str:
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except ValueError:
        raise ImproperlyConfigured("The badge signing key is not a PEM private key.") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(
            "The badge signing key must be an Ed25519 key (manage.py badge_key makes one)."
        )
    return pem


def public_key_pem() -> str:
    key = serialization.load_pem_private_key(private_key_pem().encode(), password=None)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def available() -> bool:
    try:
        private_key_pem()
    except NoSigningKey:
        return False
    return True
