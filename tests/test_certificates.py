"""Certificates: eligibility rules, issuing once, the printable page and the public verification page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from tests.factories import make_course, make_lesson, make_module, make_question, make_quiz, make_simulation
from training import certificates, versions
from training.models import Certificate, LessonProgress, Quiz, QuizAttempt, Status

pytestmark = pytest.mark.django_db
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def course():
    course = make_course(title="Track I and Track II Diplomacy")
    module = make_module(course)
    make_lesson(module, title="Lesson one")
    make_lesson(module, title="Lesson two")
    make_lesson(module, title="Draft lesson", status=Status.DRAFT)  # not required: learners cannot see it
    practice = make_quiz(module, title="Practice quiz")
    make_question(practice)
    assessment = make_quiz(module, title="Module assessment", mode=Quiz.Mode.ASSESSMENT)
    make_question(assessment)
    final = make_quiz(module, title="Final assessment", mode=Quiz.Mode.ASSESSMENT)
    make_question(final)
    make_simulation(module)  # simulations are never required
    course.final_quiz = final
    course.save()
    return course


def complete_lessons(user, course):
    for lesson in course.modules.get().lessons.published():
        LessonProgress.objects.create(user=user, lesson=lesson, viewed_at=T0, completed_at=T0)


def attempt(user, quiz, *, passed: bool, number: int = 1):
    return QuizAttempt.objects.create(
        user=user,
        quiz=quiz,
        number=number,
        started_at=T0,
        submitted_at=T0 + timedelta(minutes=10),
        percent=90 if passed else 20,
        passed=passed,
    )


def finish_course(user, course):
    complete_lessons(user, course)
    quizzes = {q.title: q for q in Quiz.objects.filter(course=course)}
    attempt(user, quizzes["Practice quiz"], passed=False)  # practice: attempted is enough
    attempt(user, quizzes["Module assessment"], passed=True)
    attempt(user, quizzes["Final assessment"], passed=True)
    versions.bump_learner(user.pk)  # rows written directly, not through the workflows that bump it


def test_eligibility_rules_step_by_step(learner, course):
    quizzes = {q.title: q for q in Quiz.objects.filter(course=course)}
    e = certificates.eligibility(learner, course)
    assert (e.lessons_total, e.lessons_done, e.eligible) == (2, 0, False)
    assert [(r.quiz.title, r.rule) for r in e.quizzes] == [
        ("Practice quiz", "attempt"),
        ("Module assessment", "pass"),
    ]
    assert e.final.quiz.title == "Final assessment"

    complete_lessons(learner, course)
    attempt(learner, quizzes["Practice quiz"], passed=False)
    attempt(learner, quizzes["Module assessment"], passed=False)
    attempt(learner, quizzes["Final assessment"], passed=True)
    e = certificates.eligibility(learner, course)
    assert e.lessons_met and e.final_met
    assert [r.quiz.title for r in e.missing_quizzes] == ["Module assessment"]  # an assessment must be passed
    assert not e.eligible

    attempt(learner, quizzes["Module assessment"], passed=True, number=2)
    assert certificates.eligibility(learner, course).eligible


def test_final_quiz_must_be_passed_not_just_attempted(learner, course):
    complete_lessons(learner, course)
    quizzes = {q.title: q for q in Quiz.objects.filter(course=course)}
    attempt(learner, quizzes["Practice quiz"], passed=False)
    attempt(learner, quizzes["Module assessment"], passed=True)
    attempt(learner, quizzes["Final assessment"], passed=False)
    e = certificates.eligibility(learner, course)
    assert not e.final_met and not e.eligible


def test_an_open_attempt_does_not_count(learner, course):
    complete_lessons(learner, course)
    quiz = Quiz.objects.get(title="Practice quiz")
    QuizAttempt.objects.create(user=learner, quiz=quiz, number=1, started_at=T0)
    assert quiz in [r.quiz for r in certificates.eligibility(learner, course).missing_quizzes]


def test_codes_are_unguessable_and_normalised():
    codes = {certificates.new_code() for _ in range(200)}
    assert len(codes) == 200
    for code in list(codes)[:20]:
        assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){3}", code)
        assert certificates.normalise_code(code.lower().replace("-", " ")) == code
    assert certificates.normalise_code("not a code") == ""
    assert certificates.normalise_code("ABCD-EFGH-IJKL-MNO1") == ""  # 1 is not base 32


def test_claim_page_lists_what_is_missing(client, learner, course):
    client.force_login(learner)
    html = client.get(f"/progress/certificate/{course.slug}/").content.decode()
    assert "complete every lesson (0 of 2)" in html
    assert "pass the final assessment" in html
    assert "Issue my certificate" not in html
    response = client.post(f"/progress/certificate/{course.slug}/", {"name": "Lena Haddad"})
    assert response.status_code == 409
    assert not Certificate.objects.exists()


def test_claiming_issues_once_and_shows_the_printable_certificate(client, learner, course):
    finish_course(learner, course)
    client.force_login(learner)
    page = client.get(f"/progress/certificate/{course.slug}/").content.decode()
    assert 'value="Lena Haddad"' in page
    first = client.post(f"/progress/certificate/{course.slug}/", {"name": "Lena  Haddad "})
    second = client.post(f"/progress/certificate/{course.slug}/", {"name": "Someone Else"})
    assert first.status_code == second.status_code == 302
    assert Certificate.objects.count() == 1
    certificate = Certificate.objects.get()
    assert certificate.name == "Lena  Haddad"
    html = client.get(f"/progress/certificate/{course.slug}/").content.decode()
    assert "Certificate of completion" in html
    assert certificate.code in html
    assert f"http://testserver/certificates/{certificate.code}/" in html
    assert "css/progress.css" in html  # the print stylesheet


def test_claim_needs_a_name_and_login(client, learner, course):
    finish_course(learner, course)
    assert client.get(f"/progress/certificate/{course.slug}/").status_code == 302
    client.force_login(learner)
    assert client.post(f"/progress/certificate/{course.slug}/", {"name": "  "}).status_code == 400
    assert client.post(f"/progress/certificate/{course.slug}/", {"name": "x" * 301}).status_code == 400
    assert client.get("/progress/certificate/no-such-course/").status_code == 404
    assert not Certificate.objects.exists()


def test_public_verification_shows_only_name_course_date_and_validity(learner, other_learner, course):
    finish_course(learner, course)
    certificate = certificates.issue_certificate(user=learner, course=course, name="Lena Haddad", when=T0)
    for viewer in (None, other_learner):
        client = Client()
        if viewer:
            client.force_login(viewer)
        response = client.get(f"/certificates/{certificate.code}/")
        html = response.content.decode()
        assert response.status_code == 200
        main = html[html.index("<main") : html.index("</main>")]
        assert "Valid certificate" in main
        assert "Lena Haddad" in main
        assert "Track I and Track II Diplomacy" in main
        assert "1 March 2025" in main
        # Nothing else about the learner: no username, email, scores, progress or account links.
        for private in (
            "lena@example.org",
            ">lena<",
            "lena</",
            "90%",
            "Lesson one",
            "attempt",
            "/account/data/",
        ):
            assert private not in main
        assert "lena" not in html.replace("Lena", "")


def test_verification_accepts_typed_codes_and_rejects_unknown_ones(client, learner, course):
    finish_course(learner, course)
    certificate = certificates.issue_certificate(user=learner, course=course)
    typed = certificate.code.lower().replace("-", "")
    response = client.get("/certificates/verify/", {"code": typed})
    assert response.status_code == 302
    assert response["Location"] == f"/certificates/{certificate.code}/"
    assert client.get(f"/certificates/{typed}/")["Location"] == f"/certificates/{certificate.code}/"
    unknown = client.get("/certificates/AAAA-BBBB-CCCC-DDDD/")
    assert unknown.status_code == 404
    assert "Not a valid certificate" in unknown.content.decode()
    bad = client.get("/certificates/verify/", {"code": "hello"})
    assert bad.status_code == 400
    assert 'role="alert"' in bad.content.decode()
    assert client.get("/certificates/<script>/").status_code == 404


def test_deleting_the_account_invalidates_the_certificate(client, learner, course):
    finish_course(learner, course)
    certificate = certificates.issue_certificate(user=learner, course=course)
    learner.delete()
    assert client.get(f"/certificates/{certificate.code}/").status_code == 404


def test_dashboard_links_to_the_certificate(client, learner, course):
    client.force_login(learner)
    assert "See what is left" in client.get("/progress/").content.decode()
    finish_course(learner, course)
    assert "Claim your certificate" in client.get("/progress/").content.decode()
    certificates.issue_certificate(user=learner, course=course)
    assert "View and print your certificate" in client.get("/progress/").content.decode()
