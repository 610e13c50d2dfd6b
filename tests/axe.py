"""Run axe-core (bundled with axe-playwright-python, works offline) and fail on any violation."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

_axe = Axe()


def assert_accessible(page: Page, where: str = "", *, scanner: Page | None = None) -> None:
    """Scan the page as it is now.

    axe-core is JavaScript, so it cannot run in a page whose context has JavaScript off. For those pages,
    pass `scanner`, a page in a JavaScript-enabled context: it is shown exactly the HTML the no-JS page
    received, at the same URL (so styles load the same way), and axe scans that.
    """
    target = page
    if scanner is not None:
        html = page.content()
        url = page.url

        def serve_snapshot(route) -> None:
            route.fulfill(body=html, content_type="text/html; charset=utf-8")

        scanner.route(url, serve_snapshot)
        try:
            scanner.goto(url)
        finally:
            scanner.unroute(url, serve_snapshot)
        target = scanner
    results = _axe.run(target)
    if results.violations_count:
        raise AssertionError(
            f"axe found {results.violations_count} violation(s) on {where or page.url}:\n{results.generate_report()}"
        )


def violations_report(page: Page) -> str:
    """axe's report of the page as it is now, or "" when it finds no violation."""
    results = _axe.run(page)
    return results.generate_report() if results.violations_count else ""
