"""Open Badges 3.0 (issue 20, acceptance 3): a certificate is also a signed OB 3.0 credential that
openbadgeslib's verifier accepts — with the issuer's public key and the revocation status list fetched over
HTTP from a live server — and refuses after the certificate is revoked in the admin and after one field is
tampered with."""

from __future__ import annotations

import base64
import json
import urllib.request

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from openbadgeslib.ob3 import OB3VerificationError, OB3Verifier

from badges import credentials, keys
from badges.models import Revocation
from tests.learner_data import make_user
from tests.xapi_journey import claim_certificate, load_example_course, read_lessons, take_quiz
from training.models import Certificate, Quiz


def earn_certificate(client, username: str):
    course = load_example_course()
    user = make_user(username)
    client.force_login(user)
    read_lessons(client, course)
    for quiz in Quiz.objects.visible().filter(course=course):
        take_quiz(client, quiz, user)
    claim_certificate(client, course)
    return Certificate.objects.select_related("course").get(user=user, course=course)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def tampered(token: str, change) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    change(claims)
    return ".".join([header, b64url(json.dumps(claims).encode()), signature])


@pytest.mark.django_db(transaction=True)
def test_a_course_badge_verifies_and_fails_after_revocation_and_after_tampering(
    live_server, client, superuser
):
    def fetch(url: str) -> bytes:
        assert url.startswith(live_server.url + "/"), url  # every URL in the credential is this site's
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.read()

    with override_settings(SITE_URL=live_server.url):
        certificate = earn_certificate(client, "lena-badge")
        page = client.get(f"/progress/certificate/{certificate.course.slug}/").content.decode()
        assert f'href="/certificates/{certificate.code}/credential.jwt"' in page
        response = client.get(f"/certificates/{certificate.code}/credential.jwt")
        assert response.status_code == 200 and response["Content-Type"] == "application/vc+jwt"
        assert response["Content-Disposition"] == 'attachment; filename="example-course-certificate.jwt"'
        token = response.content.decode()

        # A verifier holding nothing but the token and this site's published key:
        verifier = OB3Verifier(fetch(f"{live_server.url}/badges/issuer/key.pem"))
        badge = verifier.verify(token, check_status=True, download=fetch)
        assert badge.issuer.id == f"{live_server.url}/badges/issuer/"
        assert badge.achievement.name == certificate.course.title
        assert badge.achievement.id == f"{live_server.url}/badges/achievements/example-course/"
        assert [i.identity_hash for i in badge.identifiers] == [certificate.name]
        assert badge.issuance_date == certificate.issued_at.replace(microsecond=0)
        assert badge.raw is not None and "lena-badge@example.org" not in json.dumps(badge.raw)
        profile = json.loads(fetch(badge.issuer.id))
        assert profile["type"] == ["Profile"] and profile["name"] == "Diplomacy Tracks"
        achievement = json.loads(fetch(badge.achievement.id))
        assert achievement["type"] == ["Achievement"] and achievement["achievementType"] == "Certificate"

        # One field changed (the holder's name), the signature kept: refused.
        def rename(claims):
            claims["credentialSubject"]["identifier"][0]["identityHash"] = "Mallory"

        with pytest.raises(OB3VerificationError):
            verifier.verify(tampered(token, rename), check_status=True, download=fetch)

        # Another learner's certificate, to show revocation flips one bit only.
        client.logout()
        other = earn_certificate(client, "omar-badge")
        other_token = client.get(f"/certificates/{other.code}/credential.jwt").content.decode()

        # Revoked in the admin by its code: the published list says so at once.
        client.force_login(superuser)
        answer = client.post(
            "/admin/badges/revocation/add/", {"code": certificate.code, "reason": "Issued in error"}
        )
        assert answer.status_code == 302, answer.content.decode()[:2000]
        assert Revocation.objects.get().revoked_by == superuser
        with pytest.raises(OB3VerificationError, match="revocation"):
            verifier.verify(token, check_status=True, download=fetch)
        assert verifier.verify(other_token, check_status=True, download=fetch).issuer.id == badge.issuer.id

        page = client.get(f"/certificates/{certificate.code}/").content.decode()
        assert "Revoked certificate" in page and "Valid certificate" not in page
        # Reinstated by deleting the revocation.
        Revocation.objects.all().delete()
        assert verifier.verify(token, check_status=True, download=fetch).id == badge.id


@pytest.mark.django_db
def test_the_credential_is_its_holders_only(client, other_learner):
    certificate = earn_certificate(client, "lena-own")
    client.force_login(other_learner)
    assert client.get(f"/certificates/{certificate.code}/credential.jwt").status_code == 404
    client.logout()
    response = client.get(f"/certificates/{certificate.code}/credential.jwt")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_a_forged_signature_and_a_stale_status_list_are_refused(client):
    certificate = earn_certificate(client, "lena-forge")
    token = credentials.signed_credential(certificate)
    stranger = keys.new_key_pem()
    with override_settings(BADGES_SIGNING_KEY=stranger):
        forged = credentials.signed_credential(certificate)
    verifier = OB3Verifier(keys.public_key_pem())
    verifier.verify(token)
    with pytest.raises(OB3VerificationError):
        verifier.verify(forged)

    from datetime import UTC, datetime, timedelta

    old = credentials.signed_status_list(0, now=datetime.now(UTC) - timedelta(days=2))
    with pytest.raises(OB3VerificationError, match="expired"):
        verifier.verify(token, check_status=True, download=lambda url: old.encode())


@pytest.mark.django_db
def test_without_a_key_no_credential_is_offered_and_a_bad_key_stops_the_site(client):
    certificate = earn_certificate(client, "lena-nokey")
    with override_settings(DEBUG=False, TESTING=False, BADGES_SIGNING_KEY="", BADGES_SIGNING_KEY_FILE=""):
        page = client.get(f"/progress/certificate/{certificate.course.slug}/").content.decode()
        assert "credential.jwt" not in page
        assert client.get(f"/certificates/{certificate.code}/credential.jwt").status_code == 503
        assert client.get("/badges/status/0/").status_code == 503
        assert client.get("/badges/issuer/key.pem").status_code == 503
    rsa_pem = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        .decode()
    )
    with override_settings(BADGES_SIGNING_KEY=rsa_pem), pytest.raises(ImproperlyConfigured, match="Ed25519"):
        keys.private_key_pem()


@pytest.mark.django_db
def test_the_issuer_publishes_one_key_as_pem_and_jwk(client):
    pem = client.get("/badges/issuer/key.pem").content.decode()
    assert pem == keys.public_key_pem() and pem.startswith("-----BEGIN PUBLIC KEY-----")
    jwks = client.get("/badges/issuer/jwks.json").json()
    (jwk,) = jwks["keys"]
    assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519" and jwk["alg"] == "EdDSA"
    public = serialization.load_pem_public_key(pem.encode())
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert jwk["x"] == b64url(raw)


@pytest.mark.django_db
def test_the_admin_revocation_form_explains_a_wrong_code(client, superuser):
    client.force_login(superuser)
    response = client.post("/admin/badges/revocation/add/", {"code": "ZZZZ-ZZZZ-ZZZZ-ZZZZ", "reason": "x"})
    assert response.status_code == 200
    assert "No certificate has this code." in response.content.decode()
    assert Revocation.objects.count() == 0
