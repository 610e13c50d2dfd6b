"""Portraits: a small SVG figure per character of a simulation or a role-play (static/img/portraits/KEY.svg).

The curriculum may choose one (`portrait: KEY`, docs/curriculum-format.md); otherwise the character's kind is
read from its own words, the earliest of the KEYWORDS in its description ("senior policy adviser to the defence
minister" is an adviser, not an officer), and a character whose words name no kind gets one by its position,
so the roles of one role-play look different from each other. Pages show the picture beside the character's
name in text, so the picture itself is decorative (alt="").
"""

from __future__ import annotations

import re

# key: what the figure shows (its <title>, and the admin's choice label)
PORTRAITS: dict[str, str] = {
    "adviser": "Adviser (suit, a brief in hand)",
    "civic": "Civic leader (headscarf, a leaf badge)",
    "convener": "Convener (glasses, a speech bubble)",
    "delegate": "Delegate (a conference badge on a lanyard)",
    "mediator": "Mediator (scarf, a two-way arrows badge)",
    "negotiator": "Negotiator (dark suit, a flag pin)",
    "officer": "Officer (uniform and peaked cap)",
}
CHOICES = [(key, label) for key, label in PORTRAITS.items()]
ORDER = list(PORTRAITS)

KEYWORDS: dict[str, str] = {
    "adviser": "adviser",
    "advisor": "adviser",
    "counsellor": "adviser",
    "convener": "convener",
    "convenor": "convener",
    "director": "convener",
    "institute": "convener",
    "academic": "convener",
    "scholar": "convener",
    "researcher": "convener",
    "mediator": "mediator",
    "facilitator": "mediator",
    "envoy": "mediator",
    "negotiator": "negotiator",
    "minister": "negotiator",
    "ambassador": "negotiator",
    "diplomat": "negotiator",
    "delegation": "delegate",
    "delegate": "delegate",
    "coalition": "civic",
    "civic": "civic",
    "community": "civic",
    "civil society": "civic",
    "activist": "civic",
    "officer": "officer",
    "commander": "officer",
    "military": "officer",
    "naval": "officer",
}
_KEYWORD = re.compile(r"\b(" + "|".join(sorted(map(re.escape, KEYWORDS), key=len, reverse=True)) + r")", re.I)


def portrait_key(*, chosen: str, description: str, position: int = 0) -> str:
    """The portrait to show: the one chosen, else the kind the description names first, else one by position."""
    if chosen in PORTRAITS:
        return chosen
    found = _KEYWORD.search(description)
    if found:
        return KEYWORDS[found.group(1).lower()]
    return ORDER[position % len(ORDER)]


def portrait_path(key: str) -> str:
    """The static path of a portrait (for {% static %})."""
    return f"img/portraits/{key}.svg"
