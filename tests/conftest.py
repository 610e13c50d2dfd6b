import os

# Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls from such a
# thread unless told this is safe (it is: the tests do not share connections across threads).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

# The personas, defined once. Each is a saved user whose password is `tests.learner_data.PASSWORD`; log one in
# with `client.force_login(learner)` (django-axes refuses `client.login()`, which gives it no request).
# Names are distinct words so that a test can assert a page leaks no username, email or name. Imported inside
# the fixtures: the models cannot be imported before pytest-django has set Django up.


@pytest.fixture
def learner(db):
    from tests.learner_data import make_user

    return make_user("lena", first_name="Lena", last_name="Haddad")


@pytest.fixture
def other_learner(db):
    from tests.learner_data import make_user

    return make_user("omar", first_name="Omar", last_name="Sayed")


@pytest.fixture
def instructor(db):
    """Staff, in the Instructors group (created by a data migration; rebuilt after a transactional flush)."""
    from tests.learner_data import make_user

    return make_user("tess", instructor=True, first_name="Tess", last_name="Ward")


@pytest.fixture
def other_instructor(db):
    from tests.learner_data import make_user

    return make_user("otto", instructor=True, first_name="Otto", last_name="Brandt")


@pytest.fixture
def superuser(db):
    from tests.learner_data import make_user

    return make_user("root", is_staff=True, is_superuser=True)


CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium_path() -> str | None:
    candidate = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
    if Path(candidate).is_file():
        return candidate
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    executable = chromium_path()
    if executable is None:
        message = (
            "no Chromium at /usr/bin/chromium (or CHROMIUM_PATH): install one with "
            "`apt-get install -y chromium` to run the browser tests"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return {
        **browser_type_launch_args,
        "executable_path": executable,
        "headless": True,
        "args": CHROMIUM_FLAGS,
    }


@pytest.fixture
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "locale": "en-GB", "viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def no_js_page(browser, live_server) -> Iterator:
    """A page whose browser context has JavaScript disabled: every feature must still work there."""
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def asgi_live_server(transactional_db, settings) -> Iterator:
    """A running ASGI server (uvicorn in a thread) on the test database, pages and WebSockets: see
    tests/asgi_live.py. A fresh one for each test."""
    from tests.asgi_live import AsgiLiveServer

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1"]
    server = AsgiLiveServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def axe_scanner(browser) -> Iterator:
    """A JavaScript-enabled page that axe uses to scan what a no-JS page was served (see tests/axe.py)."""
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def page(page):
    # Fail in seconds, not Playwright's default 30, when something a test waits for never appears.
    page.set_default_timeout(15_000)
    return page


@pytest.fixture(autouse=True)
def _fresh_request_limits() -> None:
    """Sign-up and reset limits count in the cache (training/throttling.py): every test starts from zero."""
    from django.core.cache import cache

    cache.clear()
