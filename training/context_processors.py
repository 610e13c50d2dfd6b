"""Values every page needs: the navigation's review count and instructor link; the site's name and footer."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from training import navigation


def navigation_figures(request: HttpRequest) -> dict:
    user = request.user
    if not user.is_authenticated:
        return {"is_instructor": False, "review_due_count": 0}
    # Lazy, and read at render time, after the view's own writes: a page that never shows the navigation
    # (an htmx fragment) runs no query; one that does reads the learner's versions once per request (one query,
    # shared with the view and the progress bar: navigation.for_request) and the
    # due count from the cache under them (training.navigation). A view that computed either passes its own
    # value in its context, which wins over these.
    return {
        "is_instructor": SimpleLazyObject(lambda: navigation.for_request(request).instructor),
        # The review queue's own count: cards of questions the learner can see, not held back by an open
        # assessment attempt (training.review.due_cards).
        "review_due_count": SimpleLazyObject(lambda: navigation.for_request(request).review_due()),
    }


def site(request: HttpRequest) -> dict:
    """The site's name, tagline and footer (settings SITE_NAME, SITE_TAGLINE, SITE_FOOTER): no query."""
    return {
        "site_name": settings.SITE_NAME,
        "site_tagline": settings.SITE_TAGLINE,
        "site_footer": settings.SITE_FOOTER,
    }
