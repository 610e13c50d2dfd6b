"""Run the test platform: python -m tests.lti_platform PORT (configuration in LTI_PLATFORM_* variables, see
views.py). Serves on 127.0.0.1 with a threaded WSGI server and prints READY once listening."""

import os
import sys
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        sys.stderr.write("platform: " + (format % args) + "\n")


def main() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.lti_platform.settings"
    from django.core.wsgi import get_wsgi_application

    app = get_wsgi_application()
    server = make_server(
        "127.0.0.1", int(sys.argv[1]), app, server_class=ThreadingServer, handler_class=QuietHandler
    )
    print("READY", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
