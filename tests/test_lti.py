"""The LTI 1.3 tool over HTTP against the independent platform (tests/lti_platform: lti1p3platform in its own
process): exact cookie and framing headers of a launch, refusals (tampered token, learner deep linking,
inactive deployment), the score outbox (retried after a failure, never sent twice, course completion), and
without a platform: identities per platform, linking an existing account, headers of pages that no launch
opened."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from datetime import timedelta
from html import unescape
from urllib.parse import urlencode

import pytest
import requests
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone
from lti_tool.models import LtiDeployment, LtiRegistration, LtiUser

from lms import catalogue, grades, sessions
from lms.accounts import account_for
from lms.models import FrameOrigins, Placement, PlacementLearner, ScoreOutbox
from tests.factories import make_course, make_lesson, make_module, make_question, make_quiz, make_simulation
from tests.learner_data import PASSWORD, make_attempt
from tests.lti_platform.process import RunningPlatform, platform, register
from tests.roleplay_helpers import make_roleplay

CSP_DEFAULT_FRAMING = "frame-ancestors 'none'"


def frame_ancestors(response) -> str:
    return next(
        part.strip()
        for part in response.headers["Content-Security-Policy"].split(";")
        if part.strip().startswith("frame-ancestors")
    )


# ---- Against the platform ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lms(live_server) -> Iterator[RunningPlatform]:
    with platform(live_server.url) as running:
        yield running


@pytest.fixture
def quiz(lms, transactional_db):
    lms.post("/_reset")
    course = make_course(title="Diplomacy in practice", slug="diplomacy-in-practice")
    quiz = make_quiz(make_module(course), title="First contacts check", slug="first-contacts", pass_mark=50)
    make_question(quiz)
    register(lms.url)
    return quiz


def launch_over_http(lms: RunningPlatform, *, tamper: bool = False, **params: str) -> requests.Response:
    """What a browser does, step by step: the platform starts the login, the tool's login initiation sets its
    state cookie and sends us to the platform's authorisation endpoint, whose form posts the signed id_token
    to the tool's launch URL. Returns the tool's answer to that POST (not followed)."""
    http = requests.Session()
    to_tool_login = http.get(f"{lms.url}/launch?{urlencode(params)}", allow_redirects=False)
    login = http.get(to_tool_login.headers["Location"], allow_redirects=False)
    assert login.status_code == 302, login.text
    state_cookie = next(cookie for cookie in login.cookies if cookie.name.startswith("lti1p3-state-"))
    form = http.get(login.headers["Location"]).text
    action = unescape(re.search(r'action="([^"]+)"', form).group(1))
    id_token = re.search(r'name="id_token" value="([^"]+)"', form).group(1)
    state = re.search(r'name="state" value="([^"]+)"', form).group(1)
    if tamper:
        header, body, signature = id_token.split(".")
        claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        claims["sub"] = "someone-else"
        body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
        id_token = f"{header}.{body}.{signature}"
    # The state cookie is Secure; a browser sends it to http://localhost, requests does not: hand it over.
    return http.post(
        action,
        data={"id_token": id_token, "state": state},
        cookies={state_cookie.name: state_cookie.value},
        allow_redirects=False,
    )


def set_cookie_headers(response: requests.Response) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response.raw.headers.getlist("Set-Cookie")}


def test_a_launch_signs_in_with_lti_only_cookies_and_framing(lms, quiz, live_server):
    response = launch_over_http(lms, user="lms-user-1", link="quiz-link", resource="quiz:first-contacts")
    assert response.status_code == 302
    assert response.headers["Location"] == "/quizzes/first-contacts/"
    cookies = set_cookie_headers(response)
    assert re.fullmatch(
        r"sessionid=\w+; expires=[^;]+; HttpOnly; Max-Age=1209600; Path=/; SameSite=None; Partitioned; Secure",
        cookies["sessionid"],
    ), cookies["sessionid"]
    # The launch response may be framed by this platform only, and says so in CSP, not X-Frame-Options.
    assert frame_ancestors(response) == f"frame-ancestors {lms.url}"
    assert "X-Frame-Options" not in response.headers

    # The launched session's pages (the quiz) keep that: framed by the platform, cookies cross-site.
    session_id = cookies["sessionid"].split(";")[0].split("=", 1)[1]
    page = requests.get(f"{live_server.url}/quizzes/first-contacts/", cookies={"sessionid": session_id})
    assert page.status_code == 200
    assert frame_ancestors(page) == f"frame-ancestors {lms.url}"
    assert "X-Frame-Options" not in page.headers
    csrf = set_cookie_headers(page)["csrftoken"]
    assert csrf.endswith("; Path=/; SameSite=None; Partitioned; Secure"), csrf
    identity = LtiUser.objects.get(sub="lms-user-1")
    assert f"Signed in as <strong>{identity.auth_user.username}</strong>" in page.text

    # A page of a session no launch opened: not frameable, Lax cookies, as before.
    plain = requests.get(f"{live_server.url}/quizzes/first-contacts/")
    assert frame_ancestors(plain) == CSP_DEFAULT_FRAMING
    assert plain.headers["X-Frame-Options"] == "DENY"
    plain_csrf = set_cookie_headers(plain)["csrftoken"]
    assert "SameSite=Lax" in plain_csrf and "Secure" not in plain_csrf and "SameSite=None" not in plain_csrf


def test_a_second_launch_is_the_same_account_and_a_tampered_token_is_refused(lms, quiz):
    first = launch_over_http(lms, user="lms-user-2", link="quiz-link", resource="quiz:first-contacts")
    again = launch_over_http(lms, user="lms-user-2", link="quiz-link", resource="quiz:first-contacts")
    assert first.status_code == again.status_code == 302
    assert LtiUser.objects.filter(sub="lms-user-2").count() == 1
    module = quiz.module
    make_lesson(module, slug="opening-a-channel")
    make_simulation(module, slug="harbour-talks")
    make_roleplay(quiz.course, slug="river-talks")
    for resource, lands_on in [
        ("roleplay:river-talks", "/roleplays/"),  # its sessions, started by the instructor for the cohort
        ("lesson:opening-a-channel", "/lessons/opening-a-channel/"),
        ("simulation:harbour-talks", "/simulations/harbour-talks/"),
        ("lesson:no-such-lesson", "/"),
    ]:
        landed = launch_over_http(lms, user="lms-user-2", link=f"link-{resource}", resource=resource)
        assert landed.headers["Location"] == lands_on, resource
    users_before = LtiUser.objects.count()

    forged = launch_over_http(
        lms, tamper=True, user="lms-user-3", link="quiz-link", resource="quiz:first-contacts"
    )
    assert forged.status_code == 400
    assert "This launch could not be verified" in forged.text
    assert "sessionid" not in set_cookie_headers(forged)
    assert LtiUser.objects.count() == users_before
    assert not LtiUser.objects.filter(sub="someone-else").exists()


def test_learners_cannot_deep_link_and_an_inactive_deployment_is_refused(lms, quiz):
    learner_dl = launch_over_http(lms, user="lms-user-4", kind="deeplink")
    assert learner_dl.status_code == 403
    assert "instructors can add content from the LMS" in learner_dl.text

    LtiDeployment.objects.update(is_active=False)
    inactive = launch_over_http(lms, user="lms-user-4", link="quiz-link", resource="quiz:first-contacts")
    assert inactive.status_code == 403
    assert "deployment is not activated yet" in inactive.text
    assert "sessionid" not in set_cookie_headers(inactive)


def test_scores_are_retried_until_the_gradebook_takes_them_and_never_sent_twice(lms, quiz):
    assert (
        launch_over_http(lms, user="lms-user-5", link="quiz-link", resource="quiz:first-contacts").status_code
        == 302
    )
    identity = LtiUser.objects.get(sub="lms-user-5")
    question = quiz.questions.get()
    now = timezone.now()
    passed = make_attempt(identity.auth_user, quiz, {question: "a"}, when=now)
    failed = make_attempt(identity.auth_user, quiz, {question: "b"}, when=now + timedelta(minutes=6))
    assert (passed.passed, failed.passed) == (True, False)

    assert grades.queue_scores() == 2
    assert grades.queue_scores() == 0  # a second run finds them queued
    placement = Placement.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        ScoreOutbox.objects.create(
            placement=placement,
            lti_user=identity,
            user=identity.auth_user,
            attempt=passed,
            score_given=1,
            score_maximum=100,
            scored_at=now,
        )

    lms.post("/_fail_scores?n=1")  # the gradebook is down for the first POST
    first_run = grades.send_due()
    assert (first_run.sent, first_run.failed) == (1, 1)
    waiting = ScoreOutbox.objects.get(status=ScoreOutbox.Status.PENDING)
    assert waiting.tries == 1 and "HTTP 503" in waiting.last_error
    assert waiting.next_try_at > timezone.now()
    assert grades.send_due().sent == 0  # not before its backoff
    later = grades.send_due(now=timezone.now() + timedelta(minutes=2))
    assert later.sent == 1
    assert grades.send_due(now=timezone.now() + timedelta(days=1)).sent == 0

    state = lms.get_json("/_state")
    assert state["score_posts"] == 3  # two taken, one refused with 503
    assert sorted((s["scoreGiven"], s["comment"]) for s in state["scores"]) == [
        (0.0, "Attempt 2: not passed"),
        (100.0, "Attempt 1: passed"),
    ]
    assert {s["userId"] for s in state["scores"]} == {"lms-user-5"}
    assert set(ScoreOutbox.objects.values_list("status", flat=True)) == {ScoreOutbox.Status.SENT}


def test_course_completion_goes_to_a_course_links_line_item_once(lms, quiz):
    response = launch_over_http(
        lms, user="lms-user-6", link="course-link", resource="course:diplomacy-in-practice"
    )
    assert response.headers["Location"] == "/"
    identity = LtiUser.objects.get(sub="lms-user-6")
    assert grades.queue_scores() == 0  # not complete yet
    make_attempt(identity.auth_user, quiz, {quiz.questions.get(): "a"}, when=timezone.now())
    assert grades.queue_scores() == 1
    assert grades.queue_scores() == 0
    assert grades.send_due().sent == 1
    [score] = lms.get_json("/_state")["scores"]
    assert (score["userId"], score["scoreGiven"], score["comment"]) == (
        "lms-user-6",
        100,
        "Course completed: eligible for the certificate",
    )


# ---- Without a platform ------------------------------------------------------------------------------------------


def _registration(issuer: str, client_id: str = "tool") -> LtiRegistration:
    return LtiRegistration.objects.create(
        name=f"LMS at {issuer}",
        issuer=issuer,
        client_id=client_id,
        auth_url=f"{issuer}/auth",
        token_url=f"{issuer}/token",
        keyset_url=f"{issuer}/jwks",
    )


@pytest.mark.django_db
def test_the_same_person_from_two_platforms_is_two_accounts_until_linked(learner):
    moodle = _registration("https://moodle.example.edu")
    canvas = _registration("https://canvas.example.edu")
    at_moodle = LtiUser.objects.create(registration=moodle, sub="42", email=learner.email, name="Lena Haddad")
    at_canvas = LtiUser.objects.create(registration=canvas, sub="42", email=learner.email, name="Lena Haddad")
    first, second = account_for(at_moodle), account_for(at_canvas)
    assert first.pk != second.pk != learner.pk  # same sub, same email: still separate people to us
    assert account_for(at_moodle).pk == first.pk  # the next launch is the same account
    assert not first.has_usable_password() and first.email == ""
    assert first.first_name == "Lena Haddad"


def launched_client(user, lti_user: LtiUser) -> Client:
    """A client signed in as `user` with the session keys a launch by `lti_user` leaves."""
    client = Client()
    client.force_login(user)
    session = client.session
    session[sessions.REGISTRATION_KEY] = lti_user.registration.pk
    session[sessions.LTI_USER_KEY] = lti_user.pk
    session[sessions.PLATFORM_NAME_KEY] = lti_user.registration.name
    session[sessions.RETURN_TO_KEY] = "/progress/"
    session.save()
    return client


@pytest.mark.django_db
def test_linking_a_launch_to_an_existing_account_needs_its_password(learner, superuser):
    registration = _registration("https://moodle.example.edu")
    identity = LtiUser.objects.create(registration=registration, sub="7")
    launch_account = account_for(identity)
    client = launched_client(launch_account, identity)

    page = client.get("/lti/link-account/")
    assert page.status_code == 200
    assert b"Link your existing account" in page.content

    wrong = client.post("/lti/link-account/", {"username": "lena", "password": "not-her-password"})
    assert wrong.status_code == 400
    identity.refresh_from_db()
    assert identity.auth_user_id == launch_account.pk

    admin = client.post("/lti/link-account/", {"username": "root", "password": PASSWORD})
    assert admin.status_code == 400 and b"Administrator accounts cannot be linked" in admin.content

    linked = client.post("/lti/link-account/", {"username": "lena", "password": PASSWORD})
    assert linked.status_code == 302 and linked["Location"] == "/progress/"
    identity.refresh_from_db()
    assert identity.auth_user_id == learner.pk
    assert client.session["_auth_user_id"] == str(learner.pk)
    assert client.session[sessions.REGISTRATION_KEY] == registration.pk  # still a launched session
    assert account_for(identity).pk == learner.pk  # later launches sign in as Lena


@pytest.mark.django_db
def test_the_deep_linking_catalogue_lists_every_visible_kind_in_path_order():
    course = make_course(title="Diplomacy in practice", slug="dip")
    module = make_module(course)
    make_lesson(module, slug="l1", title="Opening a channel")
    make_quiz(module, slug="q1", title="First contacts check")
    make_simulation(module, slug="s1", title="Harbour talks")
    make_roleplay(course, slug="r1")
    make_quiz(module, slug="q-draft", title="Draft", status="draft")
    assert [item.key for item in catalogue.items()] == [
        "course:dip",
        "lesson:l1",
        "quiz:q1",
        "simulation:s1",
        "roleplay:r1",
    ]
    assert [item.gradable for item in catalogue.items()] == [True, False, True, False, False]


@pytest.mark.django_db
def test_login_initiation_refuses_unknown_registrations_and_foreign_targets():
    registration = _registration("https://moodle.example.edu")
    params = {
        "iss": "https://moodle.example.edu",
        "login_hint": "42",
        "target_link_uri": "http://testserver/lti/launch/",
        "client_id": "tool",
    }
    unknown = Client().get("/lti/login/5d0b5c1e-0000-4c55-9d1a-2f4b7c9e8a10/", params)
    assert unknown.status_code == 400
    assert b"Could not find registration details" in unknown.content
    foreign = Client().get(
        f"/lti/login/{registration.uuid}/", {**params, "target_link_uri": "https://evil.example/"}
    )
    assert foreign.status_code == 400
    assert b"not this tool's launch URL" in foreign.content.replace(b"&#x27;", b"'")
    known = Client().get(f"/lti/login/{registration.uuid}/", params)
    assert known.status_code == 302
    assert known["Location"].startswith("https://moodle.example.edu/auth?scope=openid&response_type=id_token")
    [state] = [name for name in known.cookies if name.startswith("lti1p3-state-")]
    assert known.cookies[state]["samesite"] == "None; Partitioned" and known.cookies[state]["secure"]


@pytest.mark.django_db
def test_launched_pages_refuse_sessions_no_launch_opened(learner):
    client = Client()
    client.force_login(learner)
    for path in ("/lti/course/", "/lti/deep-link/", "/lti/link-account/"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert b"opens from your LMS" in response.content


@pytest.mark.django_db
def test_frame_ancestors_name_the_registered_platforms_origins_only_on_lti_pages(learner):
    moodle = _registration("https://moodle.example.edu/lms", "moodle-tool")
    moodle.auth_url = "https://sso.example.edu/authorize"
    moodle.save()
    FrameOrigins.objects.create(registration=moodle, origins="https://courses.example.edu/\nnot a url\n")
    _registration("https://inactive.example.org").__class__.objects.filter(
        issuer="https://inactive.example.org"
    ).update(is_active=False)

    jwks = Client().get("/lti/jwks/")
    assert jwks.status_code == 200
    assert [key["alg"] for key in jwks.json()["keys"]] == ["RS256"]
    assert frame_ancestors(jwks) == (
        "frame-ancestors https://moodle.example.edu https://sso.example.edu https://courses.example.edu"
    )
    assert "X-Frame-Options" not in jwks.headers

    home = Client().get("/")
    assert frame_ancestors(home) == CSP_DEFAULT_FRAMING
    assert home.headers["X-Frame-Options"] == "DENY"

    identity = LtiUser.objects.create(registration=moodle, sub="9")
    launched = launched_client(account_for(identity), identity).get("/")
    assert frame_ancestors(launched) == (
        "frame-ancestors https://moodle.example.edu https://sso.example.edu https://courses.example.edu"
    )
    assert "X-Frame-Options" not in launched.headers
    assert b"Opened from <strong>LMS at https://moodle.example.edu/lms</strong>" in launched.content


@pytest.mark.django_db
def test_deleting_an_account_deletes_its_lms_identities(learner):
    identity = LtiUser.objects.create(registration=_registration("https://moodle.example.edu"), sub="11")
    account = account_for(identity)
    PlacementLearner.objects.count()  # nothing else refers to it
    account.delete()
    assert not LtiUser.objects.filter(pk=identity.pk).exists()


@pytest.mark.django_db
def test_the_admin_registers_a_platform_and_shows_the_urls_to_give_it(superuser):
    client = Client()
    client.force_login(superuser)
    add = client.get("/admin/lti_tool/ltiregistration/add/")
    assert add.status_code == 200
    assert b"http://testserver/lti/jwks/" in add.content
    assert b"http://testserver/lti/launch/" in add.content
    registration = _registration("https://moodle.example.edu")
    change = client.get(f"/admin/lti_tool/ltiregistration/{registration.pk}/change/")
    assert change.status_code == 200
    assert f"http://testserver/lti/login/{registration.uuid}/".encode() in change.content
    assert b"Frame origins" in change.content
    outbox = client.get("/admin/lms/scoreoutbox/")
    assert outbox.status_code == 200
