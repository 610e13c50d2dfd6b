"""Certificates: the learner's claim (and printable certificate) and the public verification pages."""

from django.urls import path

from training.views import certificates

urlpatterns = [
    path(
        "progress/certificate/<slug:course_slug>/", certificates.certificate_claim, name="certificate_claim"
    ),
    # Before certificates/<code>/, which "verify" would match.
    path("certificates/verify/", certificates.certificate_verify, name="certificate_verify"),
    path("certificates/<str:code>/", certificates.certificate_detail, name="certificate_detail"),
]
