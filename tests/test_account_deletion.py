"""Deleting an account deletes everything about the person, in every table of every installed app.

The check is generic: it lists every model Django knows (auto-created many-to-many tables included) and looks
for rows that point at the user by a foreign key (directly or through rows that do), rows whose text fields
hold their username or email (django-axes' login records), generic references to the account (the admin's
history) and sessions whose data names them. A future table that names a user is caught the same way.
"""

from __future__ import annotations

from collections import defaultdict

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.base_session import AbstractBaseSession
from django.contrib.sessions.models import Session
from django.db import models
from django.test import Client, override_settings

from tests.learner_data import PASSWORD, make_cohort, make_user
from tests.learner_history import give_history, make_content
from training.models import LearnerVersion

pytestmark = pytest.mark.django_db
User = get_user_model()


def _text_fields(model) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if isinstance(f, models.CharField | models.TextField)]


def _owned_rows(user_id: int) -> dict[type[models.Model], set]:
    """Every row that points at the user through foreign keys, directly or through other such rows (a
    response through its attempt, a review log through its card), model by model."""
    owned: dict[type[models.Model], set] = defaultdict(
        set, {User: set(User.objects.filter(pk=user_id).values_list("pk", flat=True))}
    )
    changed = True
    while changed:
        changed = False
        for model in apps.get_models(include_auto_created=True):
            for field in model._meta.concrete_fields:
                if (
                    not field.is_relation
                    or field.related_model not in owned
                    or field.target_field.primary_key is False
                ):
                    continue
                pks = set(
                    model._base_manager.filter(
                        **{f"{field.attname}__in": owned[field.related_model]}
                    ).values_list("pk", flat=True)
                )
                if not pks <= owned[model]:
                    owned[model] |= pks
                    changed = True
    return owned


def rows_about(user_id: int, names: set[str]) -> dict[str, int]:
    """What the database holds about a person, as {"app_label.Model(.field)": row count}: rows reached by
    foreign keys, rows with a text field equal to one of `names` (any case), generic references to the
    account (content type + object id) and sessions whose data is signed in as them."""
    found: dict[str, int] = {}
    for model, pks in _owned_rows(user_id).items():
        if pks:
            found[model._meta.label] = len(pks)
    user_type = ContentType.objects.get_for_model(User)
    for model in apps.get_models(include_auto_created=True):
        manager = model._base_manager
        for field in _text_fields(model):
            lookup = models.Q()
            for name in names:
                lookup |= models.Q(**{f"{field.name}__iexact": name})
            count = manager.filter(lookup).count()
            if count:
                found[f"{model._meta.label}.{field.name}"] = count
        fields = {f.name: f for f in model._meta.concrete_fields}
        content_type = next(
            (f for f in fields.values() if f.is_relation and f.related_model is ContentType), None
        )
        object_id = fields.get("object_id") or fields.get("object_pk")
        if content_type and object_id:
            count = manager.filter(**{content_type.name: user_type, object_id.name: str(user_id)}).count()
            if count:
                found[f"{model._meta.label}.{object_id.name}"] = count
        if issubclass(model, AbstractBaseSession):
            count = sum(
                1 for session in manager.iterator() if session.get_decoded().get(SESSION_KEY) == str(user_id)
            )
            if count:
                found[f"{model._meta.label} signed in"] = count
    return found


def log_in(client: Client, username: str, password: str = PASSWORD, **headers) -> int:
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, headers=headers
    ).status_code


@pytest.fixture
def people(learner, other_learner, instructor, superuser):
    """`learner` (lena) and `other_learner` (omar) with history in every learner table, a group, a cohort
    each learns in and one lena teaches, logins that failed and succeeded, two signed-in browsers each, and
    an admin history entry about each account. Returns lena's two browsers."""
    content = make_content()
    cohort = make_cohort(content["course"], instructors=[instructor])
    taught = make_cohort(content["course"], instructors=[learner, other_learner], name="Taught")
    assert taught.instructors.count() == 2
    group = Group.objects.create(name="Readers")
    user_type = ContentType.objects.get_for_model(User)
    browsers = {}
    with override_settings(AXES_ENABLE_ACCESS_FAILURE_LOG=True):
        for person in (learner, other_learner):
            give_history(person, content, cohort)
            person.groups.add(group)
            LogEntry.objects.create(
                user=superuser,
                content_type=user_type,
                object_id=str(person.pk),
                object_repr=str(person),
                action_flag=CHANGE,
                change_message="Changed email.",
            )
            first, second = Client(), Client()
            assert log_in(first, person.username) == 302  # a successful login (axes' AccessLog)
            assert log_in(second, person.username, HTTP_USER_AGENT="Phone") == 302
            # Failures typed with the username in another case and with the email (axes' attempts, failures).
            assert log_in(Client(), person.username.upper(), "wrong") == 200
            assert log_in(Client(), person.email, "wrong") == 200
            browsers[person.username] = (first, second)
    return browsers[learner.username]


def test_deleting_an_account_leaves_no_row_about_the_person_in_any_table(learner, people):
    names = {learner.username, learner.email}
    before = rows_about(learner.pk, names)
    # The check sees every kind of row about lena before (so it is not passing by seeing nothing).
    expected = {
        "auth.User",
        "auth.User_groups",
        "training.LessonProgress",
        "training.CheckAnswer",
        "training.QuizAttempt",
        "training.Response",
        "training.ReviewCard",
        "training.ReviewLog",
        "training.SimulationRun",
        "training.SimulationStep",
        "training.SimulationReflection",
        "training.Cohort_instructors",
        "training.CohortMembership",
        "training.Certificate",
        "training.LearnerVersion",
        "axes.AccessAttempt.username",
        "axes.AccessFailureLog.username",
        "axes.AccessLog.username",
        "admin.LogEntry.object_id",
        "admin.LogEntry.object_repr",
        "sessions.Session signed in",
    }
    assert expected <= set(before), expected - set(before)
    assert before["sessions.Session signed in"] == 2
    assert LearnerVersion.objects.filter(user=learner).exists()

    first, second = people
    response = first.post("/account/data/delete/", {"password": PASSWORD, "confirm": "yes"})
    assert (response.status_code, response["Location"]) == (302, "/")

    assert rows_about(learner.pk, names) == {}
    assert second.get("/progress/").status_code == 302  # the other browser is signed out


def test_deleting_an_account_keeps_everyone_elses_rows(learner, other_learner, people):
    kept = rows_about(other_learner.pk, {other_learner.username, other_learner.email})
    first, _second = people
    first.post("/account/data/delete/", {"password": PASSWORD, "confirm": "yes"})
    assert rows_about(other_learner.pk, {other_learner.username, other_learner.email}) == kept
    assert Group.objects.filter(name="Readers").exists()


def test_login_records_under_a_name_another_account_uses_are_kept(learner, people):
    # Usernames may contain "@": an account named like lena's email owns the failures typed with that name,
    # and deleting lena must not reset its lock-out count.
    make_user(learner.email.upper())
    first, _second = people
    first.post("/account/data/delete/", {"password": PASSWORD, "confirm": "yes"})
    assert AccessAttempt.objects.filter(username__iexact=learner.email).exists()
    assert not AccessAttempt.objects.filter(username__iexact=learner.username).exists()
    assert not AccessLog.objects.filter(username__iexact=learner.username).exists()
    assert not AccessFailureLog.objects.filter(username__iexact=learner.username).exists()


def test_a_wrong_password_deletes_nothing_about_the_person(learner, people):
    before = rows_about(learner.pk, {learner.username, learner.email})
    first, _second = people
    assert first.post("/account/data/delete/", {"password": "wrong", "confirm": "yes"}).status_code == 400
    assert rows_about(learner.pk, {learner.username, learner.email}) == before
    assert Session.objects.count() >= 4


@override_settings(SESSION_ENGINE="django.contrib.sessions.backends.cached_db")
def test_with_cached_database_sessions_the_sessions_leave_the_cache_too(learner, other_learner):
    from django.contrib.sessions.backends.cached_db import SessionStore

    browsers = [Client(), Client()]
    for browser in browsers:
        assert log_in(browser, learner.username) == 302
    keep = Client()
    assert log_in(keep, other_learner.username) == 302
    phone_key = browsers[1].cookies[settings.SESSION_COOKIE_NAME].value
    assert SessionStore(session_key=phone_key).get(SESSION_KEY) == str(learner.pk)
    browsers[0].post("/account/data/delete/", {"password": PASSWORD, "confirm": "yes"})
    assert not SessionStore(session_key=phone_key).exists(phone_key)
    assert SessionStore(session_key=phone_key).load() == {}  # not from the cache either
    assert "sessions.Session signed in" not in rows_about(learner.pk, {learner.username})
    assert keep.get("/progress/").status_code == 200


def test_an_account_without_a_password_confirms_deletion_with_its_username(client):
    """Accounts an LMS launch creates (lms/accounts.py) have no password: typing the username confirms."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("lti-learner-7")
    user.set_unusable_password()
    user.save()
    client.force_login(user)
    page = client.get("/account/data/").content.decode()
    assert "type your username, <strong>lti-learner-7</strong>, to confirm" in page
    wrong = client.post("/account/data/delete/", {"confirm": "yes", "password": "lti-learner"})
    assert wrong.status_code == 400 and "That is not your username" in wrong.content.decode()
    assert get_user_model().objects.filter(pk=user.pk).exists()
    client.post("/account/data/delete/", {"confirm": "yes", "password": "lti-learner-7"})
    assert not get_user_model().objects.filter(pk=user.pk).exists()
