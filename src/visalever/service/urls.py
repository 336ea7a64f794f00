"""Links that callers store (designation `sources[].url`, `legal_reference.url`, URLs in uploaded
reforms) must be `http:` or `https:` with a host: the dashboard renders them as links, and a
`javascript:` or `data:` URL there would run in the reader's browser (only the CSP stopped it).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

ALLOWED_SCHEMES = ("http", "https")


def url_problem(value: Any) -> str | None:
    """Why `value` is not an acceptable link, or None when it is."""
    if not isinstance(value, str):
        return None  # the schema reports a wrong type itself
    text = value.strip()
    if any(ch in text for ch in "\x00\r\n\t") or text != value:
        return "must be an http or https URL without spaces or control characters"
    try:
        parts = urlsplit(text)
    except ValueError as err:
        return f"is not a URL ({err})"
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        shown = f"{parts.scheme}:" if parts.scheme else "no scheme"
        return f"must be an http or https URL (got {shown})"
    if not parts.hostname:
        return "must be an http or https URL with a host"
    return None


def check_urls(data: Any) -> str | None:
    """The first `url` property anywhere in `data` that is not an http(s) link, as
    `<key.path>: <what is wrong>`; None when every one is fine. Iterative (any nesting depth)."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, dict):
            items = list(node.items())
            for key, value in reversed(items):
                where = f"{path}.{key}" if path else str(key)
                if key == "url":
                    problem = url_problem(value)
                    if problem is not None:
                        return f"{where}: {problem}"
                else:
                    stack.append((where, value))
        elif isinstance(node, list):
            for i in range(len(node) - 1, -1, -1):
                stack.append((f"{path}.{i}" if path else str(i), node[i]))
    return None
