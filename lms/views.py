"""The LTI 1.3 tool's pages.

Platform-to-tool endpoints (no session, no CSRF token: the signed messages are the credentials):
    /lti/login/<registration uuid>/   OIDC third-party login initiation (GET or POST)
    /lti/launch/                      launch: resource link and deep linking requests (POST id_token, state)
    /lti/jwks/                        the tool's public keys (JWKS)
Pages of a launched session:
    /lti/course/                      the instructor's page for the LMS course: what the link opens, roster sync
    /lti/deep-link/                   Deep Linking: pick from the catalogue, return a signed content item
    /lti/link-account/                link this LMS identity to an existing account (password required)
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe
from lti_tool.models import Key, LtiLaunch
from lti_tool.utils import DjangoToolConfig, get_launch_from_request, sync_data_from_launch
from lti_tool.views import LtiLaunchBaseView
from pylti1p3.contrib.django import DjangoCacheDataStorage, DjangoOIDCLogin
from pylti1p3.exception import LtiException, OIDCException

from lms import catalogue, deep_linking, roster, sessions
from lms.accounts import link_to_account
from lms.launching import ensure_key, land, sign_in
from lms.models import CohortLink, Placement, ScoreOutbox
from training.models import Course

log = logging.getLogger(__name__)


def _refused(request: HttpRequest, message: str, *, status: int = 400) -> HttpResponse:
    return render(request, "lms/refused.html", {"message": message}, status=status)


# ---- Platform → tool ---------------------------------------------------------------------------------------------


@require_safe
def jwks(request: HttpRequest) -> JsonResponse:
    ensure_key()
    return JsonResponse(Key.objects.as_jwks())


@csrf_exempt
@require_http_methods(["GET", "POST"])
def login_initiation(request: HttpRequest, registration_uuid) -> HttpResponse:
    """OIDC login initiation: check the platform's parameters, then send the browser to its authorisation
    endpoint with a state (cookie) and nonce (cache). A plain redirect: pylti1p3's cookie-check page uses
    inline script, which our Content-Security-Policy forbids."""
    params = request.POST if request.method == "POST" else request.GET
    target_link_uri = params.get("target_link_uri", "")
    if not target_link_uri:
        return _refused(request, "The LMS did not say which page to open (target_link_uri is missing).")
    if urlsplit(target_link_uri).path != reverse("lms:launch"):
        return _refused(request, "The LMS asked to open a page that is not this tool's launch URL.")
    ensure_key()
    oidc_login = DjangoOIDCLogin(
        request, DjangoToolConfig(registration_uuid), launch_data_storage=DjangoCacheDataStorage()
    )
    try:
        return oidc_login.redirect(target_link_uri)
    except (LtiException, OIDCException) as error:
        log.info("LTI login initiation refused: %s", error)
        return _refused(request, f"The LMS's login request could not be accepted: {error}")


@method_decorator(csrf_exempt, name="dispatch")
class LaunchView(LtiLaunchBaseView):
    """Validates the platform's signed id_token (pylti1p3: signature against the platform's JWKS, nonce,
    state cookie, deployment), syncs django-lti's records, then signs the user in and lands them. As django-lti's
    base view does, but the session is only touched once the message is valid: a forged or stale launch posted
    from anywhere leaves whoever is signed in signed in."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        if not request.POST.get("id_token") or not request.POST.get("state"):
            return _refused(
                request, "This address is for launches from an LMS; open the link from your course."
            )
        try:
            lti_launch = get_launch_from_request(request)
            sync_data_from_launch(lti_launch)
        except LtiException as error:
            log.info("LTI launch refused: %s", error)
            return _refused(request, f"This launch could not be verified: {error}")
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            log.info("LTI launch with malformed claims: %r", error)
            return _refused(request, "This launch was missing a required part; ask your LMS administrator.")
        if not lti_launch.deployment.is_active:
            return self.handle_inactive_deployment(request, lti_launch)
        request.session.clear()
        request.lti_launch = lti_launch
        if lti_launch.is_resource_launch:
            return self.handle_resource_launch(request, lti_launch)
        if lti_launch.is_deep_link_launch:
            return self.handle_deep_linking_launch(request, lti_launch)
        return _refused(request, "This kind of LTI message is not supported by Diplomacy Tracks.")

    def handle_inactive_deployment(self, request, lti_launch: LtiLaunch) -> HttpResponse:
        return _refused(
            request,
            "This LMS deployment is not activated yet. An administrator of Diplomacy Tracks activates it "
            "under Admin → LTI registrations.",
            status=403,
        )

    def handle_resource_launch(self, request, lti_launch: LtiLaunch) -> HttpResponse:
        return redirect(land(request, lti_launch))

    def handle_deep_linking_launch(self, request, lti_launch: LtiLaunch) -> HttpResponse:
        if not sessions.teaches(lti_launch):
            return _refused(
                request, "Only the course's instructors can add content from the LMS.", status=403
            )
        sign_in(request, lti_launch, return_to=reverse("lms:deep_link"))
        return redirect("lms:deep_link")


launch = LaunchView.as_view()


# ---- Pages of a launched session ---------------------------------------------------------------------------------


def _teaching_launch(request: HttpRequest) -> LtiLaunch | HttpResponse:
    launch = sessions.current_launch(request)
    if launch is None:
        return _refused(
            request, "This page opens from your LMS: launch the tool again from your course.", status=403
        )
    if not sessions.teaches(launch):
        return _refused(request, "This page is for the LMS course's instructors.", status=403)
    return launch


class DeepLinkForm(forms.Form):
    items = forms.MultipleChoiceField(
        label="Content to add",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Pick at least one item."},
    )

    def __init__(self, *args, multiple: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.catalogue = {item.key: item for item in catalogue.items()}
        self.fields["items"].choices = [  # type: ignore[attr-defined]
            (item.key, f"{item.kind_label}: {item.title} ({item.course})") for item in self.catalogue.values()
        ]
        self.multiple = multiple

    def clean_items(self) -> list[catalogue.Item]:
        keys = self.cleaned_data["items"]
        if not self.multiple and len(keys) > 1:
            raise forms.ValidationError("Your LMS accepts one item at a time: pick one.")
        return [self.catalogue[key] for key in keys]


@login_required
@require_http_methods(["GET", "POST"])
def deep_link(request: HttpRequest) -> HttpResponse:
    launch = _teaching_launch(request)
    if isinstance(launch, HttpResponse):
        return launch
    if not launch.is_deep_link_launch:
        return _refused(request, "Open this from the LMS's “add external content” button.", status=403)
    settings_claim = deep_linking.settings_of(launch)
    if not settings_claim.get("deep_link_return_url") or "ltiResourceLink" not in settings_claim.get(
        "accept_types", ["ltiResourceLink"]
    ):
        return _refused(
            request, "Your LMS did not ask for links to content, which is what this tool returns."
        )
    form = DeepLinkForm(request.POST or None, multiple=bool(settings_claim.get("accept_multiple", True)))
    if request.method == "POST":
        if form.is_valid():
            response_jwt = deep_linking.response_jwt(request, launch, form.cleaned_data["items"])
            return_url = settings_claim["deep_link_return_url"]
            response = render(
                request,
                "lms/deep_link_return.html",
                {"return_url": return_url, "jwt": response_jwt, "items": form.cleaned_data["items"]},
            )
            # The form posts the signed response to the platform: allow that one origin as a form target.
            response._csp_update = {"form-action": [deep_linking.origin_of(return_url)]}  # type: ignore[attr-defined]
            return response
        return render(request, "lms/deep_link.html", {"form": form, "launch": launch}, status=400)
    return render(request, "lms/deep_link.html", {"form": form, "launch": launch})


class RosterForm(forms.Form):
    course = forms.ModelChoiceField(
        queryset=Course.objects.none(), label="Course of the cohort", empty_label=None
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = Course.objects.visible().order_by("title")  # type: ignore[attr-defined]


@login_required
@require_http_methods(["GET", "POST"])
def course(request: HttpRequest) -> HttpResponse:
    """The instructor's page for the LMS course: what the launched link opens, the cohort its roster fills
    (Names and Role Provisioning), and the scores sent to the gradebook."""
    launch = _teaching_launch(request)
    if isinstance(launch, HttpResponse):
        return launch
    context = launch.context
    link = CohortLink.objects.select_related("cohort__course").filter(context=context).first()
    placement = (
        Placement.objects.filter(
            resource_link__id_on_platform=launch.resource_link_claim["id"], resource_link__context=context
        ).first()
        if launch.is_resource_launch
        else None
    )
    item = catalogue.find(placement.kind, placement.slug) if placement else None
    initial_course = (
        link.cohort.course if link else (catalogue.course_of(item.kind, item.slug) if item else None)
    )
    form = RosterForm(request.POST or None, initial={"course": initial_course})
    if request.method == "POST":
        if not context.memberships_url:
            messages.error(
                request, "This LMS did not offer its roster (Names and Role Provisioning) to the tool."
            )
            return redirect("lms:course")
        if form.is_valid():
            try:
                result = roster.sync_roster(context, course=form.cleaned_data["course"], by=request.user)
            except roster.RosterUnavailable as error:
                messages.error(request, f"The LMS roster could not be read: {error}. Nothing was changed.")
                return redirect("lms:course")
            messages.success(request, result.summary)
            return redirect("lms:course")
        return render(request, "lms/course.html", _course_context(launch, link, item, form), status=400)
    return render(request, "lms/course.html", _course_context(launch, link, item, form))


def _course_context(launch: LtiLaunch, link, item, form) -> dict:
    scores = ScoreOutbox.objects.filter(placement__resource_link__context=launch.context)
    return {
        "launch": launch,
        "context": launch.context,
        "link": link,
        "item": item,
        "item_url": catalogue.page_url(item.kind, item.slug) if item else None,
        "form": form,
        "has_roster": bool(launch.context.memberships_url),
        "scores": {status.label: scores.filter(status=status).count() for status in ScoreOutbox.Status},
    }


@login_required
@require_http_methods(["GET", "POST"])
def link_account(request: HttpRequest) -> HttpResponse:
    """Link the LMS identity of this launched session to an existing account the person proves they own."""
    lti_user = sessions.lti_user(request)
    if lti_user is None:
        return _refused(
            request, "This page opens from your LMS: launch the tool from your course first.", status=403
        )
    form = AuthenticationForm(request, data=request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            account = form.get_user()
            if account.is_superuser:
                form.add_error(None, "Administrator accounts cannot be linked to an LMS identity.")
            elif lti_user.auth_user_id == account.pk:
                messages.info(
                    request,
                    f"Launches from {lti_user.registration.name} already sign you in as {account.get_username()}.",
                )
                return redirect(request.session.get(sessions.RETURN_TO_KEY) or "home")
            else:
                saved = sessions.saved_keys(request)
                link_to_account(lti_user, account)
                login(request, account, backend="django.contrib.auth.backends.ModelBackend")
                sessions.restore(request, saved)
                messages.success(
                    request,
                    f"Linked: launches from {lti_user.registration.name} now sign you in as "
                    f"{account.get_username()}. Progress made before linking stays with the launch account.",
                )
                return redirect(saved.get(sessions.RETURN_TO_KEY) or "home")
        return render(request, "lms/link_account.html", {"form": form, "lti_user": lti_user}, status=400)
    return render(request, "lms/link_account.html", {"form": form, "lti_user": lti_user})
