"""An ASGI live server for browser and socket tests: uvicorn in a thread of the test process, on the test
database, serving diplomacy.asgi (pages and WebSockets) on a free loopback port.

pytest-django's `live_server` is a WSGI server, which cannot answer WebSockets; a server in another process
cannot see SQLite's in-memory test database. So uvicorn's event loop is started by `async_to_sync` from one
dedicated thread: asgiref then runs every piece of synchronous code the application has (Django's views and
middleware, the consumers' database checks) back in that thread, one at a time, and that thread uses the test's
own database connection, as Django's LiveServerThread does for SQLite in memory. The channel layer is the
process's: the in-memory one without REDIS_URL, Redis Pub/Sub with it.
"""

from __future__ import annotations

import socket
import threading

import uvicorn
from asgiref.sync import async_to_sync
from django.db import connections


class AsgiLiveServer:
    def __init__(self) -> None:
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def start(self) -> None:
        from diplomacy.asgi import application

        config = uvicorn.Config(
            application, lifespan="off", log_level="warning", ws="websockets-sansio", ws_ping_interval=None
        )
        self._server = uvicorn.Server(config)
        # In-memory SQLite lives as long as a connection to it: the server's thread shares the test's.
        shared = {
            alias: conn
            for alias in connections
            if (conn := connections[alias]).vendor == "sqlite" and conn.is_in_memory_db()
        }
        for conn in shared.values():
            conn.inc_thread_sharing()

        def serve() -> None:
            for alias, conn in shared.items():
                connections[alias] = conn
            try:
                async_to_sync(self._server.serve)(sockets=[self._socket])
            except BaseException as error:  # reported by start() or stop()
                self._error = error
            finally:
                for conn in shared.values():
                    conn.dec_thread_sharing()
                if not shared:
                    connections.close_all()

        self._thread = threading.Thread(target=serve, name="asgi-live-server", daemon=True)
        self._thread.start()
        for _ in range(200):
            if self._server.started or self._error is not None or not self._thread.is_alive():
                break
            threading.Event().wait(0.05)
        if not self._server.started:
            raise RuntimeError(f"the ASGI live server did not start: {self._error!r}")

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=20)
        self._socket.close()

    def __str__(self) -> str:
        return self.url
