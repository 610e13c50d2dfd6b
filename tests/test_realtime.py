"""The role-play's real-time notifications (roleplay/realtime.py), its channel layer settings and the CSP's
same-origin socket (diplomacy/csp.py).

The channel layer is a real one: Django Channels' in-memory layer here, Redis Pub/Sub in the PostgreSQL run's
two-server test (tests/test_realtime_servers.py) and whenever REDIS_URL is set.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import channel_layers, get_channel_layer
from django.db import transaction

from diplomacy.csp import same_origin_socket
from roleplay.realtime import announce_group, announce_session, group_channel, session_channel

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def layer(settings):
    """A fresh in-memory layer for this test (the process-wide one is rebuilt after it)."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    yield get_channel_layer()
    channel_layers.backends.clear()


def listen(layer, channel_group: str, action, *, wait: float = 0.5) -> list[dict]:
    """Subscribe a channel to `channel_group`, run the sync `action`, return every message it received."""

    async def scenario() -> list[dict]:
        channel = await layer.new_channel()
        await layer.group_add(channel_group, channel)
        await sync_to_async(action)()
        received = []
        while True:
            try:
                received.append(await asyncio.wait_for(layer.receive(channel), wait))
            except TimeoutError:
                return received

    # In a thread of its own: in a full run, Playwright's sync API (the browser tests) keeps an event loop
    # running in the main thread, where async_to_sync refuses to start another.
    result: list[list[dict]] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            result.append(async_to_sync(scenario)())
        except BaseException as exc:  # re-raised in the test's thread
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return result[0]


def test_announce_group_pings_that_group_only_with_no_content(layer, transactional_db):
    assert listen(layer, "roleplay-group-7", lambda: announce_group(7)) == [{"type": "roleplay.changed"}]
    assert listen(layer, "roleplay-group-8", lambda: announce_group(7), wait=0.2) == []
    assert listen(layer, "roleplay-session-7", lambda: announce_group(7), wait=0.2) == []


def test_announce_session_pings_the_facilitator_console_group(layer, transactional_db):
    assert listen(layer, "roleplay-session-3", lambda: announce_session(3)) == [{"type": "roleplay.changed"}]
    assert group_channel(3) == "roleplay-group-3" and session_channel(3) == "roleplay-session-3"


def test_the_ping_waits_for_the_commit_and_a_rollback_sends_nothing(layer, transactional_db):
    queued_before_commit: list[int] = []

    def committed() -> None:
        with transaction.atomic():
            announce_group(5)
            # Nothing sent yet: a browser fetching now would not find the row this transaction writes.
            queued_before_commit.append(sum(queue.qsize() for queue in layer.channels.values()))

    assert listen(layer, "roleplay-group-5", committed) == [{"type": "roleplay.changed"}]
    assert queued_before_commit == [0]

    def rolled_back() -> None:
        with transaction.atomic():
            announce_group(5)
            transaction.set_rollback(True)

    assert listen(layer, "roleplay-group-5", rolled_back, wait=0.2) == []


def test_no_channel_layer_skips_silently(settings, db):
    settings.CHANNEL_LAYERS = {}
    channel_layers.backends.clear()
    try:
        assert get_channel_layer() is None
        announce_group(1)
        announce_session(1)
    finally:
        channel_layers.backends.clear()


def test_an_unreachable_redis_is_logged_not_raised(settings, transactional_db, caplog):
    import socket

    with socket.socket() as probe:  # a loopback port where nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [{"address": f"redis://127.0.0.1:{port}/0", "socket_connect_timeout": 1}]},
        }
    }
    channel_layers.backends.clear()
    try:
        announce_group(4)
    finally:
        channel_layers.backends.clear()
    assert "could not notify roleplay-group-4 through the channel layer" in caplog.text


def channel_layers_setting(**env: str) -> dict:
    """CHANNEL_LAYERS as a fresh process with only these variables set reads it."""
    script = "import json, django; django.setup(); from django.conf import settings; print(json.dumps(settings.CHANNEL_LAYERS))"
    clean = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "diplomacy.settings",
        "DJANGO_DEBUG": "true",
    }
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_channel_layer_follows_redis_url():
    assert channel_layers_setting() == {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    shared = channel_layers_setting(REDIS_URL="redis://cache:6379/4")
    assert shared["default"]["BACKEND"] == "channels_redis.pubsub.RedisPubSubChannelLayer"
    config = shared["default"]["CONFIG"]
    assert config["hosts"][0]["address"] == "redis://cache:6379/4"
    # Pub/Sub channels ignore database numbers: the prefix keeps two sites on one Redis apart.
    assert config["prefix"] == "diplomacy-tracks-4"


def test_the_policy_allows_this_hosts_socket_and_nothing_wider(client, db):
    policy = client.get("/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["connect-src"] == "'self' ws://testserver"
    assert directives["default-src"] == "'self'" and directives["script-src"] == "'self'"


def test_over_https_the_policy_names_the_secure_socket(client, db):
    policy = client.get("/", secure=True)["Content-Security-Policy"]
    assert "connect-src 'self' wss://testserver;" in policy + ";"
    assert " ws://" not in policy


def test_a_disallowed_host_gets_no_socket_source(rf):
    assert same_origin_socket(rf.get("/", HTTP_HOST="evil.example")) is None
    assert same_origin_socket(rf.get("/")) == "ws://testserver"
