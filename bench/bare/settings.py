"""Settings of the bare Django page (bench/bare): the minimum a logged-in Django page needs, nothing else.

Sessions, users, the database, the cache and the secret key are the app's own (read from diplomacy.settings,
so from the same environment): a session cookie from logging in to the app is valid here too, and whatever
the app's settings change there (persistent connections, the session engine, SQLite pragmas) applies to this
page alike. What it leaves out is everything the app adds per page: its other middleware, context processors,
navigation and base template.
"""

from __future__ import annotations

from diplomacy import settings as app

DEBUG = False
SECRET_KEY = app.SECRET_KEY
ALLOWED_HOSTS = app.ALLOWED_HOSTS
DATABASES = app.DATABASES
CACHES = app.CACHES
DEFAULT_AUTO_FIELD = app.DEFAULT_AUTO_FIELD
USE_TZ = app.USE_TZ
TIME_ZONE = app.TIME_ZONE
LANGUAGE_CODE = app.LANGUAGE_CODE
# The session engine, serializer and cookie settings, whatever the app sets (only what it sets: the rest
# stays Django's default in both).
globals().update({name: getattr(app, name) for name in dir(app) if name.startswith("SESSION_")})
# A session stores the backend that authenticated its user and is only accepted where that backend is listed.
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "bench.bare.urls"
WSGI_APPLICATION = "bench.bare.wsgi.application"
LOGIN_URL = "/accounts/login/"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": False,
        "DIRS": [app.BASE_DIR / "bench" / "bare" / "templates"],
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
            ],
        },
    },
]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
