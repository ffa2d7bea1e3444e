"""The API's JSON parser: a body nested too deeply is a 400, not a RecursionError (500)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# No request body of this API nests more than a few levels; 32 leaves ample room.
MAX_DEPTH = 32


def _depth(value, limit: int) -> int:
    """Nesting depth of parsed JSON, iteratively (no recursion), stopping past ``limit``."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if deepest > limit:
                return deepest
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("The JSON body is nested too deeply.")) from None
        if _depth(data, MAX_DEPTH) > MAX_DEPTH:
            raise ParseError(_("The JSON body is nested too deeply."))
        return data
