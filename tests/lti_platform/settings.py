"""Settings of the independent LTI 1.3 platform used by the LTI tests (a separate Django project, run in its own
process by tests/lti_platform/__main__.py; it shares nothing with the tool but HTTP)."""

SECRET_KEY = "lti-test-platform-only"  # noqa: S105 — a throwaway test server on loopback
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "tests.lti_platform.urls"
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
DATABASES: dict = {}
USE_TZ = True
