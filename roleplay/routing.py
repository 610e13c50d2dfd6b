"""WebSocket URLs of the role-play (served by diplomacy/asgi.py under /ws/)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

websocket_urlpatterns: list[URLPattern | URLResolver] = []
