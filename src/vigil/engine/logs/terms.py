"""Term patterns for FilterLogEvents: bare terms and quoted phrases, all of which must appear.

The full filter-pattern language (exclusions, alternatives, JSON, space-delimited, regex) replaces this
module with a parser and a compiler; until then anything else is refused rather than misread.
"""

from __future__ import annotations

import re

from vigil.errors import invalid_parameter

_TOKEN = re.compile(r'\s*(?:"((?:[^"\\]|\\.)*)"|([A-Za-z0-9_]+))')


def required_terms(pattern: str | None) -> list[str]:
    """The substrings an event must contain to match ``pattern`` (case-sensitive)."""
    text = (pattern or "").strip()
    terms: list[str] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise invalid_parameter(
                f"Invalid filter pattern at position {position + 1}: {text[position : position + 20]!r}. "
                "Terms with characters other than letters, digits and _ must be double-quoted."
            )
        phrase, word = match.groups()
        term = word if word is not None else re.sub(r"\\(.)", r"\1", phrase)
        if term:
            terms.append(term)
        position = match.end()
    return terms
