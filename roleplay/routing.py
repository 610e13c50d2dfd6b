"""WebSocket URLs of the role-play (served by diplomacy/asgi.py; the proxy sends /ws/ to the ASGI server)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, re_path

from roleplay.consumers import GroupConsumer, RefusedConsumer, SessionConsumer, WaitingConsumer

websocket_urlpatterns: list[URLPattern | URLResolver] = [
    re_path(r"^ws/roleplay/groups/(?P<pk>[0-9]{1,18})/$", GroupConsumer.as_asgi()),
    re_path(r"^ws/roleplay/sessions/(?P<pk>[0-9]{1,18})/$", SessionConsumer.as_asgi()),
    re_path(r"^ws/roleplay/sessions/(?P<pk>[0-9]{1,18})/waiting/$", WaitingConsumer.as_asgi()),
    re_path(r"", RefusedConsumer.as_asgi()),
]
