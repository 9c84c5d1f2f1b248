"""``--set FIELD=VALUE``, shared by ``train`` and ``bench``: a value is read as JSON when it parses
(numbers, true/false, null), else kept as text; the config checks the field and its range."""

from __future__ import annotations

from typing import Any

from core.errors import ConfigError, StudioError
from core.records import json_or_text


def parse_set(items: list[str]) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    for item in items:
        name, sep, text = item.partition("=")
        if not sep:
            raise StudioError(f"--set {item!r}: expected FIELD=VALUE")
        # Through the records' reader: a value nested ten thousand deep or an integer of thousands
        # of digits is one error naming the setting, not a traceback from the JSON decoder.
        settings[name] = json_or_text(text, f"--set {name}", ConfigError)
    return settings
