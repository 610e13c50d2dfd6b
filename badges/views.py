"""The public side of the badges: the issuer's profile and key, the achievements, the status lists, and the
certificate holder's own credential download."""

from __future__ import annotations

import json

from cryptography.hazmat.primitives import serialization
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe
from jwt.algorithms import OKPAlgorithm

from badges import credentials, keys
from badges.models import Revocation
from training.models import Certificate, Course

JSON_LD = "application/ld+json"
NOT_CONFIGURED = "Open Badges are not configured on this site (no issuer key)."


def _unavailable() -> HttpResponse:
    return HttpResponse(NOT_CONFIGURED, status=503, content_type="text/plain; charset=utf-8")


@require_safe
@cache_control(max_age=3600, public=True)
def issuer(request: HttpRequest) -> HttpResponse:
    return JsonResponse(credentials.issuer_profile(), content_type=JSON_LD)


@require_safe
@cache_control(max_age=3600, public=True)
def issuer_key(request: HttpRequest) -> HttpResponse:
    if not keys.available():
        return _unavailable()
    return HttpResponse(keys.public_key_pem(), content_type="application/x-pem-file")


@require_safe
@cache_control(max_age=3600, public=True)
def issuer_jwks(request: HttpRequest) -> HttpResponse:
    if not keys.available():
        return _unavailable()
    public = serialization.load_pem_public_key(keys.public_key_pem().encode())
    jwk = json.loads(OKPAlgorithm.to_jwk(public))  # type: ignore[arg-type]
    jwk.update({"use": "sig", "alg": keys.ALGORITHM, "kid": credentials.issuer_id() + "#key-1"})
    return JsonResponse({"keys": [jwk]})


@require_safe
@cache_control(max_age=3600, public=True)
def achievement(request: HttpRequest, slug: str) -> HttpResponse:
    course = get_object_or_404(Course.objects.visible(), slug=slug)
    document = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        **credentials.achievement(course).to_dict(),
        "creator": credentials.issuer().to_dict(),
    }
    return JsonResponse(document, content_type=JSON_LD)


@require_safe
@cache_control(max_age=300, public=True)
def status_list(request: HttpRequest, number: int) -> HttpResponse:
    if number > 1_000_000:
        raise Http404("No such status list.")
    if not keys.available():
        return _unavailable()
    return HttpResponse(credentials.signed_status_list(number), content_type="application/vc+jwt")


@require_safe
@login_required
def credential(request: HttpRequest, code: str) -> HttpResponse:
    """The holder's certificate as a signed Open Badges 3.0 credential (a file to keep or give a wallet)."""
    certificate = get_object_or_404(
        Certificate.objects.select_related("course"), code=code, user=request.user
    )
    if Revocation.objects.filter(certificate=certificate).exists():
        return HttpResponse(
            "This certificate has been revoked.", status=410, content_type="text/plain; charset=utf-8"
        )
    if not keys.available():
        return _unavailable()
    response = HttpResponse(credentials.signed_credential(certificate), content_type="application/vc+jwt")
    response["Content-Disposition"] = f'attachment; filename="{certificate.course.slug}-certificate.jwt"'
    return response
