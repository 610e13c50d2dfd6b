"""Revoking a certificate: add a revocation by the certificate's code; its bit is set in the status list at
once (the list is signed on every request). Deleting the revocation reinstates the certificate."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from badges.models import Revocation
from training.certificates import find_certificate


class RevocationForm(forms.ModelForm):
    code = forms.CharField(
        label="Certificate code",
        max_length=40,
        help_text="As printed on the certificate, e.g. ABCD-EFGH-JKLM-NPQR.",
    )

    class Meta:
        model = Revocation
        fields = ["reason"]

    def clean_code(self) -> str:
        certificate = find_certificate(self.cleaned_data["code"])
        if certificate is None:
            raise forms.ValidationError("No certificate has this code.")
        if Revocation.objects.filter(certificate=certificate).exists():
            raise forms.ValidationError("This certificate is already revoked.")
        self.instance.certificate = certificate
        return certificate.code


@admin.register(Revocation)
class RevocationAdmin(admin.ModelAdmin):
    list_display = ["certificate_code", "holder", "course", "revoked_at", "revoked_by", "reason"]
    search_fields = ["certificate__code", "certificate__name"]
    list_select_related = ["certificate__course", "revoked_by"]
    readonly_fields = ["certificate", "revoked_at", "revoked_by"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = RevocationForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return ["code", "reason"] if obj is None else ["certificate", "reason", "revoked_at", "revoked_by"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.revoked_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description="Certificate", ordering="certificate__code")
    def certificate_code(self, obj: Revocation) -> str:
        return obj.certificate.code

    @admin.display(description="Holder", ordering="certificate__name")
    def holder(self, obj: Revocation) -> str:
        return obj.certificate.name

    @admin.display(description="Course")
    def course(self, obj: Revocation) -> str:
        return obj.certificate.course.title
