"""The ASGI application: Django's pages over HTTP and the role-play's WebSockets under /ws/.

Production runs the pages under gunicorn's sync workers (diplomacy/wsgi.py) and only /ws/ under an ASGI server
(see README, Production, and docs/performance.md for why); `make serve` runs this whole application under
uvicorn so that one process gives both.
"""

import os
import warnings

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diplomacy.settings")
# Set Django up before importing anything that touches models (the consumers, the auth middleware).
django_application = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from roleplay.routing import websocket_urlpatterns  # noqa: E402

# WhiteNoise answers static files with a synchronous file iterator, which Django's ASGI handler reads in a
# thread and warns about once. That is fine for `make serve`; production serves pages and static files
# under gunicorn, never here.
warnings.filterwarnings("ignore", message="StreamingHttpResponse must consume synchronous iterators")

application = ProtocolTypeRouter(
    {
        "http": django_application,
        # Only pages of an allowed host may open a socket (the Origin header), with the session's user.
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
