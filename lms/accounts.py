"""Local accounts for LMS users.

An LMS user is django-lti's `LtiUser`: one per registration (issuer and client id) and `sub`. Their local
account is `LtiUser.auth_user`: created on the first launch (no second sign-up, no password: it signs in only
through launches), and the same account on every later launch. The same person coming from two platforms (or
two registrations of one platform) is two LtiUsers and so two accounts, never merged by name or email; they
become one only when the person, signed in by a launch, proves they own an existing account with its password
(`link_to_account`).
"""

from __future__ import annotations

import hashlib

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User as UserModel
from django.db import transaction
from lti_tool.models import LtiUser

User = get_user_model()


def username_for(lti_user: LtiUser) -> str:
    """A stable, opaque username: "lti-" and 12 hex characters of the identity (never the LMS's own id)."""
    identity = f"{lti_user.registration.issuer}\n{lti_user.registration.client_id}\n{lti_user.sub}"
    return "lti-" + hashlib.sha256(identity.encode()).hexdigest()[:12]


def account_for(lti_user: LtiUser) -> UserModel:
    """The local account of an LMS user, created (with no usable password) on first use. Names come from the
    launch claims; the email is kept on the LtiUser only, so an address the LMS sends never reaches another
    local account's sign-in or reset flow."""
    with transaction.atomic():
        locked = (
            LtiUser.objects.select_for_update(of=("self",))
            .select_related("registration", "auth_user")
            .get(pk=lti_user.pk)
        )
        if locked.auth_user is not None and locked.auth_user.is_active:
            return locked.auth_user
        user = User(
            username=username_for(locked),
            first_name=(locked.given_name or "")[:150],
            last_name=(locked.family_name or "")[:150],
        )
        if not user.first_name and not user.last_name and locked.name:
            user.first_name = locked.name[:150]
        user.set_unusable_password()
        base, n = user.username, 1
        while User.objects.filter(username=user.username).exists():  # an inactive account kept the name
            n += 1
            user.username = f"{base}-{n}"
        user.save()
        locked.auth_user = user
        locked.save(update_fields=["auth_user", "datetime_modified"])
        return user


def link_to_account(lti_user: LtiUser, user: UserModel) -> UserModel | None:
    """From now on launches by `lti_user` sign in as `user` (who has just proved it with their password).
    Returns the account it was linked to before (its progress stays there), or None."""
    with transaction.atomic():
        locked = LtiUser.objects.select_for_update().get(pk=lti_user.pk)
        previous = locked.auth_user
        locked.auth_user = user
        locked.save(update_fields=["auth_user", "datetime_modified"])
    return previous if previous is not None and previous.pk != user.pk else None
