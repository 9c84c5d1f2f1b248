"""``--set FIELD=VALUE``, shared by ``train`` and ``bench``: a value is read as JSON when it parses
(numbers, true/false, null), else kept as text; the config checks the field and its range."""

from __future__ import annotations

import json
from typing import Any

from core.errors import StudioError


def parse_set(items: list[str]) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    for item in items:
        name, sep, text = item.partition("=")
        if not sep:
            raise StudioError(f"--set {item!r}: expected FIELD=VALUE")
        try:
            settings[name] = json.loads(text)
        except json.JSONDecodeError:
            settings[name] = text
    return settings
