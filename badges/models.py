"""Revocations: a certificate whose credential no longer holds. Revoking (a row here, added in the admin) sets
the certificate's bit in the published status list; deleting the row reinstates it."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from training.models import Certificate


class Revocation(models.Model):
    certificate = models.OneToOneField(Certificate, on_delete=models.CASCADE, related_name="revocation")
    reason = models.CharField(max_length=300, help_text="Why, for the record (not published).")
    revoked_at = models.DateTimeField(auto_now_add=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["-revoked_at"]

    def __str__(self) -> str:
        return f"{self.certificate.code} revoked"
