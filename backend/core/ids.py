"""Whole numbers typed by people (ids in query strings, form fields, live topic names)."""

from __future__ import annotations

# The largest value a 64-bit integer column holds; anything longer cannot name a row.
MAX_ID = 2**63 - 1


def parse_id(value: object) -> int | None:
    """The number written in `value` with ASCII digits only, or None.

    `str.isdigit()` also accepts "²" or "①", which `int()` then refuses; and an id longer than
    the database's integer columns overflows the query. Both come back as None here, so callers
    can answer "not found" or a 400 instead of failing."""
    text = value if isinstance(value, str) else str(value) if isinstance(value, int) else ""
    if not text or not text.isascii() or not text.isdecimal():
        return None
    number = int(text)
    return number if number <= MAX_ID else None
