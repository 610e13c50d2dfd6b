"""The role-play's WebSockets: they only say "changed" (see roleplay/realtime.py for why).

- `/ws/roleplay/groups/<pk>/`: the group's players and observers, and the facilitator of its session
  (`Group.objects.visible_to`);
- `/ws/roleplay/sessions/<pk>/`: the facilitator console (`Session.objects.run_by`);
- `/ws/roleplay/sessions/<pk>/waiting/`: the session's active participants, waiting for their role.

Each socket is checked once, when it opens: a logged-in user whom that rule allows, from a page of an allowed
host (diplomacy/asgi.py checks the Origin); anyone else is refused before the handshake completes (HTTP 403).
Nothing the browser sends is read: every action is a form POST through the ordinary views.
"""

from __future__ import annotations

import json
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from roleplay.models import Group, Participant, Session
from roleplay.realtime import group_channel, session_channel

CHANGED = json.dumps({"type": "changed"})


class ChangedConsumer(AsyncWebsocketConsumer):
    """Joins one channel-layer group if the user may, and passes on its "changed" pings."""

    channel_group: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        pk = int(self.scope["url_route"]["kwargs"]["pk"])
        if (
            user is None
            or not user.is_authenticated
            or not await database_sync_to_async(self.allowed)(user, pk)
        ):
            await self.close()
            return
        self.channel_group = self.channel_group_of(pk)
        await self.channel_layer.group_add(self.channel_group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.channel_group is not None:
            await self.channel_layer.group_discard(self.channel_group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Ignored: the browser has nothing to say here."""

    async def roleplay_changed(self, event: dict[str, Any]) -> None:
        await self.send(text_data=CHANGED)

    def allowed(self, user: Any, pk: int) -> bool:
        raise NotImplementedError

    def channel_group_of(self, pk: int) -> str:
        raise NotImplementedError


class GroupConsumer(ChangedConsumer):
    def allowed(self, user: Any, pk: int) -> bool:
        return Group.objects.visible_to(user).filter(pk=pk).exists()

    def channel_group_of(self, pk: int) -> str:
        return group_channel(pk)


class SessionConsumer(ChangedConsumer):
    def allowed(self, user: Any, pk: int) -> bool:
        return Session.objects.run_by(user).filter(pk=pk).exists()

    def channel_group_of(self, pk: int) -> str:
        return session_channel(pk)


class WaitingConsumer(ChangedConsumer):
    """The waiting room of a learner who joined a session before its roles were assigned: it hears the
    session's pings, so the page can take the learner to their group as soon as they have one."""

    def allowed(self, user: Any, pk: int) -> bool:
        return Participant.objects.filter(session_id=pk, user=user, left_at__isnull=True).exists()

    def channel_group_of(self, pk: int) -> str:
        return session_channel(pk)


class RefusedConsumer(AsyncWebsocketConsumer):
    """Any other /ws/ path: refused like a socket the user may not open (not an error in the logs)."""

    async def connect(self) -> None:
        await self.close()
