"""A bench's ``results.json`` read back (``bench --report-only``): through the records' bounded
reader, each case's fields typed as ``CaseResult`` declares them, so that an edited or damaged
file is one error naming the file and the field, never a traceback from inside the report."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.bench.harness import CaseResult, SuiteResult
from core.errors import StudioError
from core.records import FieldReader, read_json_object

# The paper suite's results are 73 KB for 54 runs; 16 MB would be some ten thousand runs.
RESULTS_MAX_BYTES = 16 * 2**20


def read_results(path: Path) -> SuiteResult:
    """The suite's results in ``path``; StudioError names the file and the first bad field."""
    record = read_json_object(path, StudioError, RESULTS_MAX_BYTES)
    try:
        return _suite(FieldReader(record, str(path), StudioError))
    except StudioError as error:
        reason = str(error).removeprefix(f"{path}: ").removeprefix(f"{path} ")
        raise StudioError(f"{path}: does not hold bench results ({reason})") from None


def _suite(fields: FieldReader) -> SuiteResult:
    return SuiteResult(
        suite=fields.text("suite"),
        device=fields.text("device"),
        seeds=fields.integers("seeds"),
        machine=fields.mapping("machine"),
        bare_env_steps_per_s=fields.number("bare_env_steps_per_s"),
        cases=[_case(case) for case in fields.objects("cases")],
        overrides=fields.mapping("overrides") if fields.has("overrides") else {},
    )


def _case(fields: FieldReader) -> CaseResult:
    """A case from its fields: each required unless ``CaseResult`` gives it a default (fields added
    later, which older files lack); one that may be None may be null."""
    values: dict[str, Any] = {}
    for field in dataclasses.fields(CaseResult):
        kind = str(field.type)
        optional = kind.endswith(" | None")
        has_default = field.default is not dataclasses.MISSING or field.default_factory is not dataclasses.MISSING
        if fields.has(field.name):
            values[field.name] = _reader(fields, kind.removesuffix(" | None"))(field.name)
        elif not has_default:
            values[field.name] = None if optional else fields.text(field.name)  # a missing field: named
    return CaseResult(**values)


def _reader(fields: FieldReader, kind: str) -> Callable[[str], Any]:
    readers: dict[str, Callable[[str], Any]] = {
        "str": fields.text,
        "int": fields.integer,
        "float": fields.number,
        "bool": fields.boolean,
        "list[int]": fields.integers,
        "list[float]": fields.numbers,
    }
    if kind not in readers:  # a field of a new kind: teach this table to read it
        raise TypeError(f"CaseResult field of type {kind!r} has no reader in results_file")
    return readers[kind]
