"""The REST API's JSON parser: a body nested too deeply to read, or carrying text that is not text, is a 400."""

from __future__ import annotations

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class SafeJSONParser(JSONParser):
    """DRF's JSONParser catches ValueError only; ``[[[[…]]]]`` thousands deep raises RecursionError. And JSON
    may spell a lone UTF-16 surrogate (``"\\ud800"``), which no database or response can encode: a message
    repeating the value ("not a valid choice") would fail to render, a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type=media_type, parser_context=parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the body is nested too deeply.") from None
        if _has_lone_surrogate(data):
            raise ParseError("JSON parse error - the body holds a lone UTF-16 surrogate (\\ud800–\\udfff), which is "
                             "not a character.")
        return data


def _has_lone_surrogate(data) -> bool:
    pending = [data]  # a stack, not recursion: the body may be nested as deep as the parser allows
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False
