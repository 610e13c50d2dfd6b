"""The role-play's WebSockets (roleplay/consumers.py) through the whole ASGI application (diplomacy/asgi.py),
served by uvicorn (tests/asgi_live.py) and spoken to by an independent WebSocket client (the `websockets`
library) over real TCP: origin check, session authentication, the engine's own visibility rules, and what
travels on the socket.

(channels.testing's communicators cannot be imported without daphne, which this project does not use: its
package imports its live-server test case, built on daphne and Twisted.)
"""

from __future__ import annotations

import json

import pytest
from django.test import Client
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect


def cookie_of(user) -> dict[str, str]:
    """The session cookie header of `user` logged in ({} for anonymous)."""
    if user is None:
        return {}
    client = Client()
    client.force_login(user)
    return {"Cookie": f"sessionid={client.cookies['sessionid'].value}"}


def open_socket(server, path: str, user=None, *, origin: str | None = None) -> ClientConnection:
    return connect(
        server.ws_url + path,
        origin=origin or server.url,
        additional_headers=cookie_of(user),
        open_timeout=10,
    )


def refused(server, path: str, user=None, **kwargs) -> int | None:
    """The HTTP status of a refused handshake, or None when the socket opened (then closed at once)."""
    try:
        with open_socket(server, path, user, **kwargs):
            pass
    except InvalidStatus as error:
        return error.response.status_code
    return None


def test_unknown_paths_anonymous_users_and_foreign_origins_are_refused(asgi_live_server, learner):
    server = asgi_live_server
    assert refused(server, "/ws/elsewhere/", learner) == 403
    assert refused(server, "/ws/roleplay/groups/abc/", learner) == 403
    assert refused(server, "/ws/roleplay/groups/" + "9" * 40 + "/", learner) == 403
    assert refused(server, "/ws/roleplay/groups/1/") == 403
    assert refused(server, "/ws/roleplay/sessions/1/") == 403
    # A page of another site cannot open a socket with the learner's cookie (cross-site WebSocket hijacking).
    assert refused(server, "/ws/roleplay/groups/1/", learner, origin="http://evil.example") == 403


@pytest.fixture
def played(instructor, learner, other_learner, other_instructor):
    """tess runs a session of the test role-play; lena and omar hold its two roles in one group."""
    from roleplay import sessions
    from tests.roleplay_helpers import load_scenario, make_cohort_with

    session = sessions.start_session(
        roleplay=load_scenario(),
        cohort=make_cohort_with(instructor, learner, other_learner),
        instructor=instructor,
    )
    for user in (learner, other_learner):
        sessions.join_session(session=session, user=user)
    (group,) = sessions.assign_roles(session=session)
    return session, group


def test_who_may_open_which_socket(
    asgi_live_server, played, learner, other_learner, instructor, other_instructor, superuser
):
    from tests.learner_data import make_user

    session, group = played
    server = asgi_live_server
    outsider = make_user("nadia")  # a learner with no part in this session
    group_path, session_path = f"/ws/roleplay/groups/{group.pk}/", f"/ws/roleplay/sessions/{session.pk}/"
    # The group's players and the session's facilitator (and a superuser) watch the group...
    for user in (learner, other_learner, instructor, superuser):
        assert refused(server, group_path, user) is None, user.username
    # ...nobody else, whatever they are.
    for user in (outsider, other_instructor, None):
        assert refused(server, group_path, user) == 403, user
    # The console's socket is the facilitator's only.
    for user in (instructor, superuser):
        assert refused(server, session_path, user) is None, user.username
    for user in (learner, other_learner, outsider, other_instructor, None):
        assert refused(server, session_path, user) == 403, user
    assert refused(server, f"/ws/roleplay/groups/{group.pk + 1000}/", instructor) == 403
    # The waiting room's socket: the session's own participants only.
    waiting_path = f"/ws/roleplay/sessions/{session.pk}/waiting/"
    for user in (learner, other_learner):
        assert refused(server, waiting_path, user) is None, user.username
    for user in (outsider, instructor, other_instructor, None):
        assert refused(server, waiting_path, user) == 403, user


def test_a_socket_says_changed_when_its_group_changes_and_nothing_else(
    asgi_live_server, played, learner, instructor
):
    from roleplay import sessions

    session, group = played
    server = asgi_live_server
    with (
        open_socket(server, f"/ws/roleplay/groups/{group.pk}/", learner) as lena,
        open_socket(server, f"/ws/roleplay/sessions/{session.pk}/", instructor) as console,
    ):
        seat = group.seats.get(role__slug="north")
        sessions.start_clock(session=session)
        # Every phase change reaches the group and the console.
        assert json.loads(lena.recv(timeout=5)) == {"type": "changed"}
        assert json.loads(console.recv(timeout=5)) == {"type": "changed"}
        sessions.post_message(
            group=group, seat=seat, author=learner, channel="caucus:north", text="NORTH-SECRET plan"
        )
        for socket in (lena, console):
            received = socket.recv(timeout=5)
            # Only the ping: never the message, its author or anything confidential.
            assert json.loads(received) == {"type": "changed"} and "SECRET" not in received
        # Whatever the browser sends is ignored; the socket stays open and quiet.
        lena.send("please send me everything")
        with pytest.raises(TimeoutError):
            lena.recv(timeout=0.5)
