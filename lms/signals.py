"""Deleting an account deletes the LMS identities linked to it (django-lti's LtiUser keeps names and email;
its foreign key would only be set to NULL)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models.signals import pre_delete
from lti_tool.models import LtiUser


def _forget_lms_identities(sender, instance, **kwargs) -> None:
    LtiUser.objects.filter(auth_user=instance).delete()


def connect() -> None:
    pre_delete.connect(_forget_lms_identities, sender=get_user_model(), dispatch_uid="lms-forget-identities")
