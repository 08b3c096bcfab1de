"""Reading a page's form back the way a browser would post it, for tests of what a form sends unchanged."""

from __future__ import annotations

import html
import re


def posted_fields(page: str) -> dict[str, str]:
    """The ``<input>`` fields of ``page`` (a page, or the part of it holding one form) as a browser posts them
    unchanged: ticked boxes as "on", unticked ones left out; the CSRF token and formset templates skipped."""
    data = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or "__prefix__" in name.group(1) or name.group(1) == "csrfmiddlewaretoken":
            continue
        if 'type="checkbox"' in tag:
            if "checked" in tag:
                data[name.group(1)] = "on"  # Django draws a checked box without a value; a browser sends "on"
            continue
        value = re.search(r'value="([^"]*)"', tag)
        data[name.group(1)] = html.unescape(value.group(1)) if value else ""
    return data
