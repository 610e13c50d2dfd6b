"""Acceptance 1 of issue 20 in real Chromium, against an independent LTI 1.3 platform (lti1p3platform, run as its
own Django project in another process on another loopback host and port, with its own RSA keys and JWKS over
HTTP: tests/lti_platform).

The tool runs on http://localhost:…, the platform on http://127.0.0.1:…: two sites, so the launch happens in a
third-party iframe as in a real LMS, which needs the tool's SameSite=None; Secure cookies and its
frame-ancestors naming the platform.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from lti_tool.models import LtiUser
from playwright.sync_api import Page, expect

from lms.models import CohortLink, Placement, PlacementLearner, ScoreOutbox
from tests.axe import assert_accessible
from tests.factories import make_course, make_lesson, make_module, make_question, make_quiz, make_simulation
from tests.lti_platform.process import RunningPlatform, platform, register
from training.models import CohortMembership

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def lms(live_server) -> Iterator[RunningPlatform]:
    with platform(live_server.url) as running:
        yield running


@pytest.fixture
def course(lms):
    lms.post("/_reset")
    course = make_course(title="Diplomacy in practice", slug="diplomacy-in-practice")
    module = make_module(course, title="First contacts")
    make_lesson(module, title="Opening a channel", slug="opening-a-channel")
    quiz = make_quiz(module, title="First contacts check", slug="first-contacts", pass_mark=50)
    make_question(quiz, prompt="The envoys meet for the first time: what comes first?")
    make_simulation(module, title="Harbour talks", slug="harbour-talks")
    register(lms.url)
    return course


def scan_frame(page: Page, scanner: Page, where: str) -> None:
    """axe over what the tool's frame shows, at 1280 px and at 390 px."""
    [frame] = page.main_frame.child_frames
    for width in (1280, 390):
        scanner.set_viewport_size({"width": width, "height": 900})
        assert_accessible(frame, f"{where} at {width} px", scanner=scanner)  # type: ignore[arg-type]


def launch_url(lms: RunningPlatform, **params: str) -> str:
    return f"{lms.url}/course?{urlencode(params)}"


def test_a_learner_launched_from_the_lms_lands_on_the_quiz_signed_in_and_the_gradebook_gets_the_score_once(
    page: Page, live_server, lms, course, axe_scanner
):
    page.goto(
        launch_url(
            lms, user="lms-user-7", name="Lina Park", link="week-1-quiz", resource="quiz:first-contacts"
        )
    )
    tool = page.frame_locator("#tool")
    expect(tool.get_by_role("heading", level=1)).to_have_text("First contacts check")
    identity = LtiUser.objects.get(sub="lms-user-7")
    account = identity.auth_user
    assert account is not None and account.first_name == "Lina Park"
    expect(tool.locator(".account-menu summary")).to_have_text(f"Signed in as {account.username}")
    expect(tool.get_by_role("complementary", name="LMS launch")).to_contain_text("Opened from Test LMS")

    tool.get_by_role("button", name=re.compile("Start the quiz")).click()
    tool.get_by_label("Right move").check()
    tool.get_by_role("button", name="Check my answer").click()
    expect(tool.locator("#question .feedback")).to_contain_text("Correct")
    tool.locator("#question").get_by_role("button", name="Submit and see results").click()
    expect(tool.locator(".result .verdict")).to_contain_text("Passed")

    placement = Placement.objects.get(resource_link__id_on_platform="week-1-quiz")
    assert (placement.kind, placement.slug, placement.can_publish_scores) == ("quiz", "first-contacts", True)
    assert PlacementLearner.objects.filter(placement=placement, lti_user=identity).exists()

    # The worker runs twice (cron every minute): the platform's gradebook receives the score once.
    call_command("send_lti_scores")
    call_command("send_lti_scores")
    received = lms.get_json("/_state")
    assert received["score_posts"] == 1
    [score] = received["scores"]
    assert score["userId"] == "lms-user-7"
    assert (score["scoreGiven"], score["scoreMaximum"]) == (100.0, 100)
    assert (score["activityProgress"], score["gradingProgress"]) == ("Completed", "FullyGraded")
    assert ScoreOutbox.objects.get().status == ScoreOutbox.Status.SENT

    # The results page in the frame is accessible, at desktop and phone widths.
    scan_frame(page, axe_scanner, "LTI-launched quiz results")


def test_an_instructor_adds_content_by_deep_linking_and_fills_the_cohort_from_the_roster(
    page: Page, live_server, lms, course, axe_scanner
):
    # Deep Linking: the instructor picks two items inside the LMS; the platform library accepts the signed reply.
    page.goto(launch_url(lms, user="lms-teacher-1", name="Tomas Reyes", role="instructor", kind="deeplink"))
    tool = page.frame_locator("#tool")
    expect(tool.get_by_role("heading", level=1)).to_have_text("Add content to your LMS course")
    scan_frame(page, axe_scanner, "Deep Linking catalogue")
    tool.get_by_label("Quiz: First contacts check (Diplomacy in practice)").check()
    tool.get_by_label("Simulation: Harbour talks (Diplomacy in practice)").check()
    tool.get_by_role("button", name="Add to the LMS course").click()
    added = page.frame_locator("#tool").locator("#added li")
    expect(added).to_have_text(["First contacts check", "Harbour talks"])
    [items] = lms.get_json("/_state")["content_items"]
    assert [item["custom"] for item in items] == [
        {"resource": "quiz:first-contacts"},
        {"resource": "simulation:harbour-talks"},
    ]
    assert items[0]["url"] == live_server.url + "/lti/launch/"
    assert items[0]["lineItem"] == {
        "scoreMaximum": 100,
        "label": "First contacts check",
        "resourceId": "quiz:first-contacts",
    }
    assert "lineItem" not in items[1]

    # Names and Role Provisioning: the roster creates the cohort from the instructor's course page.
    lms.post(
        "/_roster",
        b"""[
          {"user_id": "lms-teacher-1", "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"],
           "name": "Tomas Reyes", "status": "Active"},
          {"user_id": "lms-user-7", "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
           "given_name": "Lina", "family_name": "Park", "status": "Active"},
          {"user_id": "lms-user-8", "roles": ["Learner"], "name": "Ari Stone", "status": "Active"},
          {"user_id": "lms-user-9", "roles": ["Learner"], "name": "Gone Student", "status": "Inactive"}
        ]""",
    )
    page.goto(
        launch_url(
            lms, user="lms-teacher-1", role="instructor", link="week-1-quiz", resource="quiz:first-contacts"
        )
    )
    tool = page.frame_locator("#tool")
    expect(tool.get_by_role("heading", level=1)).to_have_text("LMS course: Diplomacy 101")
    expect(tool.get_by_role("link", name="First contacts check")).to_be_visible()
    tool.get_by_role("button", name="Create the cohort from the roster").click()
    expect(tool.locator(".messages")).to_contain_text("Created cohort “Diplomacy 101”")
    expect(tool.locator(".messages")).to_contain_text("2 learners (2 joined, 0 left), 1 instructor")
    link = CohortLink.objects.select_related("cohort").get()
    members = set(
        CohortMembership.objects.filter(cohort=link.cohort).values_list("user__lti_users__sub", flat=True)
    )
    assert members == {"lms-user-7", "lms-user-8"}
    assert list(link.cohort.instructors.values_list("lti_users__sub", flat=True)) == ["lms-teacher-1"]
    assert link.cohort.course == course

    # Launching again updates, never duplicates; the page is accessible at phone width.
    tool.get_by_role("button", name="Update the cohort from the roster").click()
    expect(tool.locator(".messages")).to_contain_text("Updated cohort")
    assert CohortLink.objects.count() == 1
    scan_frame(page, axe_scanner, "LMS course page")
