"""Names and Role Provisioning (LTI-NRPS 2.0): an LMS course's roster creates or updates our cohort.

The roster is read with pylti1p3's NRPS client (an OAuth2 client-credentials token, every page of members)
and stored in django-lti's LtiUser/LtiMembership rows. Then, in one
transaction:
- the context's cohort is created (named after the LMS course, for the course the instructor chose) or kept;
- every active member with the Learner role gets their local account (created now when they have never
  launched: the same account their first launch will sign in) and is a member of the cohort;
- every active member with a teaching role (Instructor, Administrator, ContentDeveloper) is one of the cohort's
  `instructors`: our cohort model's teaching right, which shows the cohort's learners in the instructor area
  to those who also hold the site's Instructors group. The roster never grants that group (it opens the
  instructor area and the admin for the whole site); an administrator does;
- members the roster no longer lists as active (dropped, inactive, deleted) leave the cohort.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import requests
from django.db import IntegrityError, transaction
from django.utils import timezone
from lti_tool.lti_core.constants import ContextRole
from lti_tool.lti_core.utils import normalize_role
from lti_tool.models import LtiContext, LtiUser
from pylti1p3.exception import LtiException, LtiServiceException
from pylti1p3.names_roles import NamesRolesProvisioningService

from lms.accounts import account_for
from lms.models import CohortLink
from lms.services import connector_for
from training import rollups, versions
from training.cohorts import CODE_ALPHABET, CODE_LENGTH
from training.models import Cohort, CohortMembership, Course

TEACHING = {
    ContextRole.INSTRUCTOR.value,
    ContextRole.ADMINISTRATOR.value,
    ContextRole.CONTENT_DEVELOPER.value,
}


class RosterUnavailable(Exception):
    """The platform's roster could not be read (no NRPS claim, refused token, network error)."""


@dataclass
class RosterResult:
    cohort: Cohort
    created: bool
    learners: int
    instructors: int
    joined: int
    left: int

    @property
    def summary(self) -> str:
        verb = "Created" if self.created else "Updated"
        return (
            f"{verb} cohort “{self.cohort.name}” (code {self.cohort.code}) from the LMS roster: "
            f"{self.learners} learner{'s' if self.learners != 1 else ''} "
            f"({self.joined} joined, {self.left} left), {self.instructors} instructor"
            f"{'s' if self.instructors != 1 else ''}."
        )


def read_roster(context: LtiContext) -> list[dict]:
    if not context.memberships_url:
        raise RosterUnavailable("the LMS gave no roster address for this course")
    try:
        service = NamesRolesProvisioningService(
            connector_for(context.deployment.registration),
            {"context_memberships_url": context.memberships_url},
        )
        members = service.get_members()
    except LtiServiceException as error:
        raise RosterUnavailable(
            f"the LMS answered {getattr(error, 'status_code', '') or 'an error'}"
        ) from None
    except (LtiException, requests.RequestException, ValueError) as error:
        raise RosterUnavailable(str(error) or error.__class__.__name__) from None
    return [dict(member) for member in members if member.get("user_id")]


def _new_cohort(context: LtiContext, course: Course) -> Cohort:
    name = (context.title or context.label or f"LMS course {context.id_on_platform}")[:200]
    for _ in range(10):
        try:
            with transaction.atomic():
                return Cohort.objects.create(
                    name=name,
                    course=course,
                    code="".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH)),
                )
        except IntegrityError:
            continue
    raise RuntimeError("could not find a free cohort code")


def sync_roster(context: LtiContext, *, course: Course, by=None) -> RosterResult:
    members = read_roster(context)
    context.update_memberships(members)
    registration = context.deployment.registration
    active = [member for member in members if member.get("status", "Active") == "Active"]
    with transaction.atomic():
        link = (
            CohortLink.objects.select_for_update(of=("self",))
            .select_related("cohort")
            .filter(context=context)
            .first()
        )
        created = link is None
        if link is None:
            link = CohortLink.objects.create(context=context, cohort=_new_cohort(context, course))
        cohort = link.cohort
        learner_ids: set[int] = set()
        instructor_ids: set[int] = set()
        for member in active:
            roles = {normalize_role(role) for role in member.get("roles", []) if isinstance(role, str)}
            lti_user = LtiUser.objects.get(registration=registration, sub=member["user_id"])
            account = account_for(lti_user)
            if roles & TEACHING:
                instructor_ids.add(account.pk)
            elif ContextRole.LEARNER.value in roles:
                learner_ids.add(account.pk)
        before = set(CohortMembership.objects.filter(cohort=cohort).values_list("user_id", flat=True))
        from_this_lms = set(
            LtiUser.objects.filter(registration=registration, auth_user__isnull=False).values_list(
                "auth_user_id", flat=True
            )
        )
        joined = learner_ids - before
        left = (before & from_this_lms) - learner_ids
        CohortMembership.objects.bulk_create(
            [CohortMembership(cohort=cohort, user_id=pk) for pk in joined], ignore_conflicts=True
        )
        rollups.members_changed(cohort, joined, sign=1)  # bulk_create sends no signal (training.rollups)
        CohortMembership.objects.filter(cohort=cohort, user_id__in=left).delete()
        cohort.instructors.add(*instructor_ids)
        for pk in joined | left:
            versions.bump_learner(pk)
        link.synced_at = timezone.now()
        link.synced_by = by if by is not None and by.is_authenticated else None
        link.save(update_fields=["synced_at", "synced_by"])
    return RosterResult(
        cohort=cohort,
        created=created,
        learners=len(learner_ids),
        instructors=len(instructor_ids),
        joined=len(joined),
        left=len(left),
    )
