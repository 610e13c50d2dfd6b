"""WSGI entry of the bare page: gunicorn bench.bare.wsgi:application (bench/perf.py starts it)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.bare.settings")
application = get_wsgi_application()
