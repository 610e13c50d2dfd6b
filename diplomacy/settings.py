"""Settings for Diplomacy Tracks, read from environment variables (see .env.example).

Local use needs nothing set: DEBUG is off unless asked for, but `make serve` asks for it. With DEBUG off the
defaults are the secure ones, so production needs only DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and
DATABASE_URL.
"""

from __future__ import annotations

import sys
import urllib.parse
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from diplomacy.env import env_bool, env_int, env_list, env_origins, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", False)
# Under pytest (or with DJANGO_TESTING=true) the suite runs with DEBUG off but needs neither a secret key nor
# collected static files.
TESTING = env_bool("DJANGO_TESTING", "pytest" in sys.modules)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG and not TESTING:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it (50+ random characters) or set DJANGO_DEBUG=true for local use."
        )
    # Only reachable with DEBUG or under tests; production refuses to start without a key (above).
    SECRET_KEY = "django-insecure-local-development-key-do-not-use-in-production"  # noqa: S105  # nosec B105

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_origins("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "axes",
    "csp",
    "training",
    "xapi",
    "roleplay",
    "lti_tool",
    "lms",
    "badges",
]

MIDDLEWARE = [
    # First, so the request id and the logged duration cover every other middleware.
    "training.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # LTI-launched sessions and the tool's /lti/ endpoints only: cookies SameSite=None; Secure (lms/middleware.py).
    "lms.middleware.LtiCookiesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A NUL or other control character in the path or a parameter is a 400 page (after the user is known, so
    # the page has the site's layout; before any view reads the request).
    "training.middleware.ControlCharactersMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # Adds this host's own WebSocket origin (ws:// or wss://) to the policy's connect-src (diplomacy/csp.py).
    "diplomacy.csp.SameOriginWebSocketMiddleware",
    # After CSP and X-Frame-Options (so it runs before them on the way out): LTI pages may be framed by the
    # launching platform's origins only (lms/middleware.py).
    "lms.middleware.LtiFramingMiddleware",
    # Last, as django-axes asks: it turns a lock-out into the response below.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # Counts failed logins and refuses further attempts once the limit is reached (django-axes).
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "diplomacy.urls"
WSGI_APPLICATION = "diplomacy.wsgi.application"
ASGI_APPLICATION = "diplomacy.asgi.application"

# What the site calls itself (header, page titles, footer, the catalogue), whatever courses it serves.
SITE_NAME = env_str("SITE_NAME", "Diplomacy Tracks")
SITE_TAGLINE = env_str("SITE_TAGLINE", "Interactive courses in official and unofficial diplomacy.")
SITE_FOOTER = env_str("SITE_FOOTER", "Course content is written for learning and cites its sources.")

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "training.context_processors.navigation_figures",
                "lms.context_processors.lti",
                "training.context_processors.site",
            ],
        },
    },
]

# Database: a SQLite file by default; PostgreSQL (or any dj-database-url URL) through DATABASE_URL.
_database_url = env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
try:
    DATABASES = {
        "default": dj_database_url.parse(_database_url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60))
    }
except (ValueError, KeyError) as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL I can use: {exc}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes may share the file: wait for locks instead of failing, and take the write lock at
    # the start of a transaction so two writers never deadlock on an upgrade from read to write. Connections
    # persist like PostgreSQL's (a new one re-reads the schema on its first query: 1-2 ms on every request);
    # in WAL mode readers never wait for the writer nor the writer for readers, so a long-lived connection
    # of one worker does not hold up the others. WAL is a property of the file (set once, kept); synchronous
    # NORMAL is per connection and safe with WAL (a power cut may lose the last commits, never corrupt).
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    }
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    if not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(f"REDIS_URL={REDIS_URL!r} must start with redis://, rediss:// or unix://.")
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # A Redis that stops answering must fail fast, not hang requests and /healthz.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    # Sessions read from the cache (written through to the database): no query per request to load them.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Channel layer of the role-play's real-time notifications (roleplay/realtime.py). With REDIS_URL, Redis
# Pub/Sub, so every app server (gunicorn pages, the ASGI server of /ws/, several hosts) reaches every open
# socket. The messages are content-free "changed" pings: Pub/Sub delivers them at once to whichever servers
# are subscribed and stores nothing, so no group membership can go stale when a server dies and no queue fills
# up; a ping missed during a reconnect is harmless, the page fetches the state from the database on
# reconnecting. Pub/Sub channel names are global to a Redis server (not per database number), so the prefix
# carries the database number: two sites on one Redis stay apart. Without REDIS_URL, the in-memory layer,
# which only reaches sockets of the same process (`make serve`: one uvicorn process serves pages and sockets).
if REDIS_URL:
    _redis_db = urllib.parse.urlsplit(REDIS_URL).path.strip("/") or "0"
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "socket_connect_timeout": 2, "socket_timeout": 5}],
                "prefix": env_str("CHANNELS_PREFIX", f"diplomacy-tracks-{_redis_db}"),
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

if TESTING:
    # Hashing strength is not under test; a fast hasher keeps the suite quick.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Login throttling (django-axes): failures are stored in the database, so every app server shares the count.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Which address is the client's (django-ipware through axes; sign-up and reset throttling use the same rule).
# DJANGO_PROXY_COUNT is how many proxies of ours stand in front of the app, each appending the address it
# received the request from to X-Forwarded-For. The client is then the entry that many places from the right;
# anything further left is whatever the client chose to send. With 0, the header is never read.
PROXY_COUNT = env_int("DJANGO_PROXY_COUNT", 0, minimum=0)
if PROXY_COUNT:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    # ipware counts the hops after the client inside the header; our last proxy is REMOTE_ADDR, not in it.
    AXES_IPWARE_PROXY_COUNT = PROXY_COUNT - 1
    # Not strict: a longer header (spoofed entries on the left) still yields the client at that position,
    # instead of being skipped in favour of the proxy's own address, which every client shares.
    IPWARE_STRICT = False
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

# Sign-up and password-reset requests each send an email: at most this many per hour from one client address
# and for one email address (training/throttling.py counts them in the cache, shared through Redis).
EMAIL_REQUESTS_PER_HOUR = {"address": 10, "email": 3}

# Content-Security-Policy (django-csp): everything from this origin, no inline script or style anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        # Plus, per response, the socket of this same host, ws://host or wss://host (diplomacy/csp.py).
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# In development and tests WhiteNoise serves straight from the source folders (no collectstatic needed).
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING

# The admin's curriculum YAML upload: at most this many bytes in all (the shipped course is about 420 KB).
CURRICULUM_UPLOAD_MAX_BYTES = env_int("CURRICULUM_UPLOAD_MAX_BYTES", 1024 * 1024, minimum=1)

# Timed quizzes: answers posted up to this many seconds after the deadline still count (a slow network, an
# answer sent at the last second); later ones are refused and the attempt is submitted as of its deadline.
QUIZ_GRACE_SECONDS = env_int("QUIZ_GRACE_SECONDS", 30, minimum=0)

# LTI 1.3 tool (lms/, docs/integrations.md). The absolute base URL shown to LMS administrators in the admin
# (https://tracks.example.org); empty: taken from the request. Launch data lives in the cache: with several
# app servers, set REDIS_URL so a launch validated on one is found on the others.
LTI_TOOL_BASE_URL = env_str("LTI_TOOL_BASE_URL").rstrip("/")

# Email: console by default; SMTP when EMAIL_HOST is set.
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Diplomacy Tracks <noreply@localhost>")

# Security. With DEBUG off everything is on by default; each can be relaxed for a local trial over plain HTTP.
# The test suite talks plain HTTP to its own live server, so it starts with HTTPS redirect and secure cookies off.
_https_only = not DEBUG and not TESTING
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", _https_only)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", _https_only)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if env_bool("DJANGO_BEHIND_TLS_PROXY", False):
    # Only behind a proxy that sets (and strips client-sent) X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# The site's public address (scheme and host, no trailing slash): xAPI activity ids and actors, and the badge
# issuer's profile, key and status list are absolute URLs under it. Default: https:// and the first allowed host
# (http://127.0.0.1:8000 for local use).
SITE_URL = (
    env_str("SITE_URL")
    or (
        f"https://{ALLOWED_HOSTS[0]}" if ALLOWED_HOSTS and not (DEBUG or TESTING) else "http://127.0.0.1:8000"
    )
).rstrip("/")

# xAPI (xapi/): statements go to a learning record store through an outbox table and the
# send_xapi_statements worker. With no XAPI_LRS_URL nothing is queued (docs/integrations.md).
XAPI_LRS_URL = env_str("XAPI_LRS_URL").rstrip("/")  # the LRS endpoint, e.g. https://lrs.example.org/xAPI
XAPI_LRS_USERNAME = env_str("XAPI_LRS_USERNAME")
XAPI_LRS_PASSWORD = env_str("XAPI_LRS_PASSWORD")
# Activity ids are this base plus a stable slug: /lessons/<slug>, /quizzes/<slug>, /questions/<slug>, …
XAPI_ACTIVITY_BASE = (env_str("XAPI_ACTIVITY_BASE") or f"{SITE_URL}/xapi/activities").rstrip("/")
# Learners are accounts on this home page (the account name is an opaque number, never an email).
XAPI_ACCOUNT_HOMEPAGE = env_str("XAPI_ACCOUNT_HOMEPAGE") or f"{SITE_URL}/"
XAPI_BATCH_SIZE = env_int("XAPI_BATCH_SIZE", 50, minimum=1)
XAPI_TIMEOUT_SECONDS = env_int("XAPI_TIMEOUT_SECONDS", 10, minimum=1)
# After a failed send a statement waits RETRY × 2^(failures−1) seconds, at most RETRY_MAX.
XAPI_RETRY_SECONDS = env_int("XAPI_RETRY_SECONDS", 30, minimum=0)
XAPI_RETRY_MAX_SECONDS = env_int("XAPI_RETRY_MAX_SECONDS", 3600, minimum=0)

# Open Badges 3.0 (badges/): every certificate is also a signed verifiable credential (docs/integrations.md).
BADGES_ISSUER_NAME = env_str("BADGES_ISSUER_NAME", "Diplomacy Tracks")
BADGES_ISSUER_URL = (env_str("BADGES_ISSUER_URL") or SITE_URL).rstrip("/")  # the issuer's home page
# The issuer's Ed25519 private key (PEM), in the variable or in a file. Without one, `make serve` (DEBUG)
# generates BADGES_DEV_KEY_FILE and tests use a key of their own; production offers no credential until set.
BADGES_SIGNING_KEY = env_str("BADGES_SIGNING_KEY").replace("\\n", "\n")
BADGES_SIGNING_KEY_FILE = env_str("BADGES_SIGNING_KEY_FILE")
BADGES_DEV_KEY_FILE = BASE_DIR / ".badges-dev-key.pem"
# How long a published status list stays valid (a verifier refuses an older copy: a revocation cannot be
# undone by replaying the list from before it).
BADGES_STATUS_LIST_HOURS = env_int("BADGES_STATUS_LIST_HOURS", 24, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"forbidden_without_traceback": {"()": "training.log_filters.ForbiddenWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # A 403 is one warning line, no traceback (training/log_filters.py).
        "django.request": {"filters": ["forbidden_without_traceback"]},
        "django.db.backends": {"level": "INFO"},
        # One line per request with its id (training/middleware.py).
        "training.requests": {"level": "INFO"},
    },
}
