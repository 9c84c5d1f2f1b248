"""Reading JSON records the app wrote (or a person edited): bounded, typed, one-line errors.

Every JSON file a run or a demo folder keeps is read through ``read_json_object`` and its fields
through a ``FieldReader``, so that a record that is valid JSON but of the wrong shape (a string
where a number belongs, a list nested ten thousand deep, an integer of five thousand digits)
becomes one error that names the file and the field, never a traceback from deep inside a caller.
The typed records themselves are frozen dataclasses with ``from_dict`` built on this reader
(``core.train.runs.records``).
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from core.errors import StudioError

# No record the app writes comes near these; a file past them was not written by it.
MAX_RECORD_BYTES = 64 * 1024 * 1024


def read_json_object(path: Path, error: type[StudioError], max_bytes: int = MAX_RECORD_BYTES) -> dict[str, Any]:
    """The JSON object in ``path``; ``error`` naming the file when it is missing, not a regular
    file (a folder, a device such as /dev/zero, a pipe), larger than ``max_bytes``, or not a
    record (see ``parse_json_object``)."""
    if not path.exists():
        raise error(f"{path}: not found")
    if not path.is_file():
        raise error(f"{path}: not a regular file")
    size = path.stat().st_size
    if size > max_bytes:
        raise error(f"{path}: {size:,} bytes, more than a record of this kind can be ({max_bytes:,})")
    try:
        with open(path, "rb") as handle:
            raw = handle.read(max_bytes + 1)  # a file that grew since stat is still read bounded
    except OSError as problem:
        raise error(f"{path}: cannot be read ({problem.strerror})") from None
    if len(raw) > max_bytes:
        raise error(f"{path}: more than {max_bytes:,} bytes, more than a record of this kind can be")
    return parse_json_object(raw, str(path), error)


def parse_json_object(raw: bytes, source: str, error: type[StudioError]) -> dict[str, Any]:
    """The JSON object in ``raw`` (a file's bytes, a line of one, an array inside an archive);
    ``error`` naming ``source`` when it is not UTF-8 JSON, nests too deep, holds an absurd
    number, or is not an object."""
    record = parse_json_value(raw, source, error)
    if not isinstance(record, dict):
        raise error(f"{source}: expected a JSON object, found {type(record).__name__}")
    return record


def parse_json_value(raw: bytes, source: str, error: type[StudioError]) -> Any:
    """Any JSON value in ``raw``, within the bounds ``parse_json_object`` keeps."""
    try:
        return _decoded(raw.decode("utf-8"), source, error, "record")
    except (json.JSONDecodeError, UnicodeDecodeError) as problem:
        raise error(f"{source}: not valid JSON ({problem})") from None


def json_or_text(text: str, source: str, error: type[StudioError]) -> Any:
    """``text`` as the JSON value it spells (a number, true, a list), else ``text`` itself (a word
    such as an env id); ``error`` naming ``source`` for JSON past the bounds (a value nested ten
    thousand deep, an integer of thousands of digits), which is no word either."""
    try:
        return _decoded(text, source, error, "setting value")
    except json.JSONDecodeError:
        return text


# The app writes nothing nested more than five levels (a checkpoint's optimizer groups). The JSON
# decoder's own limit is the interpreter's recursion limit, less however deep the caller already
# is; a value just under it parses, then breaks whatever walks it next (a copy, a repr).
MAX_DEPTH = 32


def _decoded(text: str, source: str, error: type[StudioError], what: str) -> Any:
    """The JSON value of ``text``; json.JSONDecodeError when it is none, ``error`` past the bounds."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise error(f"{source}: not a {what} (nested too deep)") from None
    except ValueError:  # an integer past the interpreter's limit (whose message says to raise it)
        limit = sys.get_int_max_str_digits()
        raise error(f"{source}: not a {what} (a number of more than {limit:,} digits)") from None
    if _nested_deeper_than(value, MAX_DEPTH):
        raise error(f"{source}: not a {what} (nested too deep: more than {MAX_DEPTH} levels)")
    return value


def _nested_deeper_than(value: Any, limit: int) -> bool:
    """Whether lists and objects in ``value`` nest more than ``limit`` levels (walked without recursion)."""
    stack = [(value, 1)] if isinstance(value, dict | list) else []
    while stack:
        container, depth = stack.pop()
        for child in container.values() if isinstance(container, dict) else container:
            if isinstance(child, dict | list):
                if depth >= limit:
                    return True
                stack.append((child, depth + 1))
    return False


class FieldReader:
    """Typed access to one record's fields; each failure names ``source`` and the field.

    Every getter requires its field; a field older records lack is read behind ``has``.
    """

    def __init__(self, record: Mapping[str, Any], source: str, error: type[StudioError]) -> None:
        self.record, self.source, self.error = record, source, error

    def has(self, key: str) -> bool:
        return key in self.record and self.record[key] is not None

    def _get(self, key: str) -> Any:
        if key not in self.record:
            raise self.error(f"{self.source}: field {key!r} is missing")
        return self.record[key]

    def _wrong(self, key: str, wanted: str) -> StudioError:
        return self.error(f"{self.source}: field {key!r} must be {wanted}, not {self.record[key]!r:.60}")

    def number(self, key: str) -> float:
        """A number (ints widen); NaN too, which the app writes for 'not measured', never inf."""
        number = _finite_or_nan(self._get(key))
        if number is None:
            raise self._wrong(key, "a finite number")
        return number

    def numbers(self, key: str) -> list[float]:
        """A list of numbers, each as ``number`` reads one (a learning curve)."""
        value = self._get(key)
        numbers = [_finite_or_nan(item) for item in value] if isinstance(value, list) else [None]
        if any(number is None for number in numbers):
            raise self._wrong(key, "a list of finite numbers")
        return [number for number in numbers if number is not None]

    def integer(self, key: str, minimum: int = 0) -> int:
        value = self._get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self._wrong(key, f"a whole number of at least {minimum}")
        return value

    def integers(self, key: str, minimum: int = 0) -> list[int]:
        value = self._get(key)
        if not isinstance(value, list) or not all(
            isinstance(item, int) and not isinstance(item, bool) and item >= minimum for item in value
        ):
            raise self._wrong(key, f"a list of whole numbers of at least {minimum}")
        return list(value)

    def mapping(self, key: str) -> dict[str, Any]:
        """A JSON object kept as it is (a machine's description, settings given by name)."""
        value = self._get(key)
        if not isinstance(value, dict):
            raise self._wrong(key, "an object")
        return dict(value)

    def text(self, key: str) -> str:
        value = self._get(key)
        if not isinstance(value, str):
            raise self._wrong(key, "text")
        return value

    def boolean(self, key: str) -> bool:
        value = self._get(key)
        if not isinstance(value, bool):
            raise self._wrong(key, "true or false")
        return value

    def texts(self, key: str) -> list[str]:
        value = self._get(key)
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self._wrong(key, "a list of text")
        return list(value)

    def objects(self, key: str) -> list[FieldReader]:
        """A list of JSON objects, each as its own reader (named ``source key[i]``)."""
        value = self._get(key)
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise self._wrong(key, "a list of objects")
        return [FieldReader(item, f"{self.source} {key}[{index}]", self.error) for index, item in enumerate(value)]

    def optional_integers(self, key: str) -> list[int | None]:
        """A list whose items are whole numbers or null (reset seeds)."""
        value = self._get(key)
        if not isinstance(value, list) or not all(
            item is None or (isinstance(item, int) and not isinstance(item, bool)) for item in value
        ):
            raise self._wrong(key, "a list of whole numbers or nulls")
        return list(value)


def _finite_or_nan(value: Any) -> float | None:
    """``value`` as a float when it is a number that is finite or NaN, else None (text, true, an
    infinity, an integer of hundreds of digits that no float holds)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return None if math.isinf(number) else number
