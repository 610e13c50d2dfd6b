"""Text from outside (a request, a form) holds no control characters but tab, CR and LF.

PostgreSQL refuses NUL in a string outright (a 500 if it reaches a query) and the other C0 controls are never
what a person typed: they garble names on certificates and in CSV exports and can forge lines in logs. The
middleware (training.middleware.ControlCharactersMiddleware) refuses them in any request; forms that store
text check them again, because text also reaches them from elsewhere.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
MESSAGE = "Remove the control characters (such as NUL) from this text."


def has_control_characters(text: str) -> bool:
    return CONTROL_CHARACTERS.search(text) is not None


def refuse_control_characters(value: str) -> None:
    """A form field validator."""
    if has_control_characters(value):
        raise ValidationError(MESSAGE, code="control_characters")


_SMALL_INT = re.compile(r"[0-9]{1,18}")


def small_int(value: str | None) -> int | None:
    """`value` as a non-negative int if it is 1 to 18 ASCII digits, else None. `str.isdigit()` is no guard:
    it accepts "²" and "٣" (which int() refuses or reads) and 10,000 digits (which int() refuses, and which no
    database integer holds)."""
    if value is not None and _SMALL_INT.fullmatch(value):
        return int(value)
    return None
