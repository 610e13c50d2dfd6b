"""Malformed posts to every form endpoint: never a 500, never a partial write.

The endpoints come from the same URL walk as the security suite (tests/endpoints.py), so a new POST endpoint
is fuzzed the moment it is classified. For each one the real form is read from the pages that show it (field
names and the values the page offers), then hypothesis mutates it: fields dropped, values replaced by random
text, huge numbers, wrong types and unknown ids, keys duplicated, unknown keys added, sent as a plain form
or as htmx. Whatever the server answers, it is below 500; whenever it does not accept the post (anything but
a redirect, or an htmx 2xx), every learner-state row is exactly as it was.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.endpoints import ADMIN, STAFF, Endpoint, learner_table_state, walk, world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

# The admin is Django's own and refuses non-staff before reading a form (tests/test_security.py checks that).
POST_ENDPOINTS = [e for e in walk() if not e.name.startswith("admin:") and "POST" in e.rule.methods]

ACCEPTED = {301, 302, 303}


class FormFields(HTMLParser):
    """(action, [(name, value)]) of every POST form on a page."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, list[tuple[str, str]]]] = []
        self._current: list[tuple[str, str]] | None = None

    def handle_starttag(self, tag: str, attrs) -> None:
        attributes = dict(attrs)
        if tag == "form" and (attributes.get("method") or "").lower() == "post":
            self._current = []
            self.forms.append((attributes.get("action") or attributes.get("hx-post") or "", self._current))
        elif self._current is not None and tag in ("input", "select", "textarea", "button", "option"):
            name = attributes.get("name")
            if name and name != "csrfmiddlewaretoken":
                self._current.append((name, attributes.get("value") or ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


_harvest: dict[str, list[tuple[str, str]]] = {}


def real_fields(world, path: str) -> list[tuple[str, str]]:
    """The fields (and offered values) of the forms that post to `path`, read from every page of the site."""
    if not _harvest:
        pages = [e for e in walk() if not e.name.startswith("admin:") and "GET" in e.rule.methods]
        for user in (None, world.learner, world.instructor):
            client = Client()
            if user is not None:
                client.force_login(user)
            for endpoint in pages:
                response = client.get(endpoint.path(world))
                if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                    continue
                parser = FormFields()
                parser.feed(response.content.decode())
                for action, fields in parser.forms:
                    _harvest.setdefault(action or endpoint.path(world), []).extend(fields)
    return _harvest.get(path, [])


garbage = st.one_of(
    st.text(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(
        ["", "0", "-1", "999999999", "null", "[]", "{}", "true", "a" * 5000, "9" * 400, "\x00", "../"]
    ),
)


@st.composite
def mutated_form(draw, fields: list[tuple[str, str]]):
    names = sorted({name for name, _ in fields}) or ["choice"]
    pairs: list[tuple[str, str]] = []
    for name, value in fields:
        action = draw(st.sampled_from(["keep", "drop", "garbage"]))
        if action == "keep":
            pairs.append((name, value))
        elif action == "garbage":
            pairs.append((name, draw(garbage)))
    for _ in range(draw(st.integers(0, 3))):  # duplicated or unknown keys
        pairs.append((draw(st.sampled_from([*names, "unknown", "id", "pk"])), draw(garbage)))
    data: dict[str, list[str]] = {}
    for name, value in pairs:
        data.setdefault(name, []).append(value.replace("\x00", "") if draw(st.booleans()) else value)
    return data, draw(st.booleans())


@pytest.mark.parametrize("endpoint", POST_ENDPOINTS, ids=[e.name for e in POST_ENDPOINTS])
def test_malformed_posts_never_fail_or_write_half(world, endpoint: Endpoint):
    path = endpoint.path(world)
    fields = real_fields(world, path)
    user = world.instructor if endpoint.rule.access == STAFF else world.learner

    @settings(
        max_examples=20,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(mutated_form(fields))
    def check(case) -> None:
        data, htmx = case
        client = Client()
        client.force_login(user)
        before = learner_table_state()
        headers = {"HX-Request": "true"} if htmx else {}
        response = client.post(path, data, headers=headers)
        assert response.status_code < 500, f"POST {path} {data!r} → {response.status_code}"
        accepted = response.status_code in ACCEPTED or (htmx and response.status_code < 300)
        if not accepted:
            assert learner_table_state() == before, (
                f"POST {path} {data!r} → {response.status_code} wrote rows"
            )

    check()


def test_the_fuzzing_starts_from_real_forms(world):
    # The forms the fuzzing mutates are read from the pages; if the main ones went missing it would be blind.
    found = {e.name for e in POST_ENDPOINTS if real_fields(world, e.path(world))}
    print("fuzzed from a real form:", sorted(found))
    print("fuzzed blind:", sorted({e.name for e in POST_ENDPOINTS} - found))
    assert {"login", "signup", "lesson_check", "password_change"} <= found


# Hostile values on every URL -------------------------------------------------------------------------------
# Every learner- and instructor-facing endpoint, GET and POST where it serves them, as learner A and as the
# instructor, with each kind of hostile value in every parameter its forms have (plus the names views read
# from the query string): a NUL, 10,000 characters, bytes that are not UTF-8 (in the query string and in a
# urlencoded body), text where a number is expected, and a list where one value is expected. One request per
# (method, kind) with every parameter set, rather than the full product, keeps the run short.

ALL_ENDPOINTS = [e for e in walk() if not e.name.startswith("admin:")]
QUERY_NAMES = ["q", "page", "sort", "status", "course", "next", "again", "reviewed", "code", "name"]
HOSTILE = {
    "nul": lambda name: [f"a\x00{name}"],
    "control": lambda name: ["\x1b[31m\x07"],
    "long": lambda name: ["9" * 10_000],
    "long text": lambda name: ["é" * 10_000],
    "wrong type": lambda name: ["not-a-number"],
    "huge number": lambda name: ["9" * 40],
    "list": lambda name: ["1", "2", "a"],
}
# Not UTF-8: percent-encoded invalid sequences, and raw high bytes as a client may send them unencoded.
NOT_UTF8 = "%FF%FE%C3%28%ED%A0%80\xff\xfe"


def hostile_requests(fields: list[str], method: str):
    """(kind, query string, body bytes or None) for one endpoint and method."""
    from urllib.parse import urlencode

    for kind, values in HOSTILE.items():
        pairs = [(name, value) for name in fields for value in values(name)]
        encoded = urlencode(pairs, doseq=True)
        yield kind, ("" if method == "POST" else encoded), (encoded.encode() if method == "POST" else None)
    raw = "&".join(f"{name}={NOT_UTF8}" for name in fields)
    yield (
        "not utf-8",
        ("" if method == "POST" else raw),
        (raw.encode("latin-1") if method == "POST" else None),
    )


@pytest.mark.parametrize("endpoint", ALL_ENDPOINTS, ids=[e.name for e in ALL_ENDPOINTS])
def test_hostile_values_on_every_url_never_fail_or_write(world, endpoint: Endpoint):
    path = endpoint.path(world)
    fields = sorted({name for name, _ in real_fields(world, path)} | set(QUERY_NAMES))
    for user in (world.learner, world.instructor):
        client = Client()
        before = learner_table_state()
        for method in endpoint.rule.methods:
            for kind, query, body in hostile_requests(fields, method):
                client.force_login(user)
                if method == "GET":
                    response = client.get(path, QUERY_STRING=query)
                else:
                    response = client.generic(
                        "POST", path, body or b"", content_type="application/x-www-form-urlencoded"
                    )
                what = f"{method} {path} ({kind}) as {user.username}"
                assert response.status_code < 500, f"{what} → {response.status_code}"
                if 400 <= response.status_code < 500:
                    assert learner_table_state() == before, f"{what} → {response.status_code} wrote rows"
                else:
                    before = learner_table_state()
