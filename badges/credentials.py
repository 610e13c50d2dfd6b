"""A certificate as an Open Badges 3.0 AchievementCredential, signed as a VC-JWT (EdDSA, Ed25519) with
openbadgeslib, and the issuer's revocation status list (a signed BitstringStatusListCredential).

The credential is built from the certificate whenever it is asked for: its id, dates and content derive from
the certificate alone and Ed25519 signatures are deterministic, so the same certificate always gives the same
credential and nothing has to be stored. Its revocation bit is the certificate's number in the status list.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.urls import reverse
from openbadgeslib.ob3 import (
    Achievement,
    Evidence,
    IdentityObject,
    Issuer,
    OB3Signer,
    OpenBadgeCredential,
    build_status_list_credential,
    sign_status_list_credential,
    status_entry,
)
from openbadgeslib.ob3.status_list import DEFAULT_SIZE_BITS

from badges import keys
from badges.models import Revocation

LIST_SIZE = DEFAULT_SIZE_BITS  # 131,072 certificates per status list
PURPOSE = "revocation"


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def issuer_id() -> str:
    return absolute(reverse("badges_issuer"))


def issuer() -> Issuer:
    return Issuer(id=issuer_id(), name=settings.BADGES_ISSUER_NAME, url=settings.BADGES_ISSUER_URL + "/")


def issuer_profile() -> dict[str, Any]:
    """The issuer's OB 3.0 Profile, with where its key and status lists are published."""
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        **issuer().to_dict(),
        "publicKeyPem": absolute(reverse("badges_issuer_key")),
        "jwks": absolute(reverse("badges_issuer_jwks")),
    }


def achievement_id(course) -> str:
    return absolute(reverse("badges_achievement", args=[course.slug]))


def achievement(course) -> Achievement:
    return Achievement(
        id=achievement_id(course),
        name=course.title,
        description=course.summary or course.title,
        criteria_narrative=(
            f"Completed the course {course.title} on {settings.BADGES_ISSUER_NAME} as its completion rule "
            "requires (lessons, quizzes and mastery, as the certificate page lists them)."
        ),
        achievement_type="Certificate",
    )


def status_position(certificate) -> tuple[int, int]:
    """(list number, index in that list) of the certificate's revocation bit."""
    return divmod(certificate.pk, LIST_SIZE)


def status_list_url(number: int) -> str:
    return absolute(reverse("badges_status_list", args=[number]))


def credential_id(certificate) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, absolute('/certificates/' + certificate.code))}"


def credential_for(certificate) -> OpenBadgeCredential:
    """The certificate as an OB 3.0 credential (unsigned). The recipient is named as on the certificate; no
    email address is in it."""
    course = certificate.course
    number, index = status_position(certificate)
    verify_url = absolute(reverse("certificate_detail", args=[certificate.code]))
    return OpenBadgeCredential(
        id=credential_id(certificate),
        issuer=issuer(),
        recipient_id=None,
        identifiers=[IdentityObject(identity_hash=certificate.name, identity_type="name", hashed=False)],
        achievement=achievement(course),
        name=f"{course.title}: certificate of completion",
        issuance_date=certificate.issued_at,
        evidence=[
            Evidence(
                id=verify_url, name="Certificate verification page", narrative=f"Code {certificate.code}"
            )
        ],
        credential_status=[status_entry(status_list_url(number), PURPOSE, index)],
    )


def signed_credential(certificate) -> str:
    """The certificate's credential as a compact VC-JWT signed with the issuer's key (NoSigningKey without one)."""
    return OB3Signer(keys.private_key_pem(), algorithm=keys.ALGORITHM).sign(credential_for(certificate))


def signed_status_list(number: int, *, now: datetime | None = None) -> str:
    """Status list `number`, signed: the bits of the revoked certificates in it, valid for a while only."""
    now = now or datetime.now(UTC)
    low, high = number * LIST_SIZE, (number + 1) * LIST_SIZE
    revoked = Revocation.objects.filter(certificate_id__gte=low, certificate_id__lt=high)
    indices = [pk - low for pk in revoked.values_list("certificate_id", flat=True)]
    document = build_status_list_credential(
        issuer_id(),
        status_list_url(number),
        PURPOSE,
        indices,
        issued=now,
        valid_until=now + timedelta(hours=settings.BADGES_STATUS_LIST_HOURS),
    )
    return sign_status_list_credential(document, keys.private_key_pem(), keys.ALGORITHM)
