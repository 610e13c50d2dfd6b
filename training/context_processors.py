"""Values every page needs: the navigation's review count and instructor link; the site's name and footer."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from training import review
from training.permissions import is_instructor


def navigation(request: HttpRequest) -> dict:
    user = request.user
    if not user.is_authenticated:
        return {"is_instructor": False, "review_due_count": 0}
    # Lazy: a page that never shows the navigation (an htmx fragment) runs neither query.
    return {
        "is_instructor": SimpleLazyObject(lambda: is_instructor(user)),
        # The review queue's own count: cards of questions the learner can see, not held back by an open
        # assessment attempt (training.review.due_cards).
        "review_due_count": SimpleLazyObject(lambda: review.due_count(user)),
    }


def site(request: HttpRequest) -> dict:
    """The site's name, tagline and footer (settings SITE_NAME, SITE_TAGLINE, SITE_FOOTER): no query."""
    return {
        "site_name": settings.SITE_NAME,
        "site_tagline": settings.SITE_TAGLINE,
        "site_footer": settings.SITE_FOOTER,
    }
