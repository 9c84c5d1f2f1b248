"""A bench's results.json read back: the bundled ones whole, a damaged one named by file and field."""

import json

import pytest

from app.bench.results_file import read_results
from app.cli.main import main
from core.errors import StudioError
from core.paths import resources_dir

BUNDLED = sorted((resources_dir() / "benchmarks").rglob("results.json"))


@pytest.mark.parametrize("path", BUNDLED, ids=lambda path: path.parent.name)
def test_the_bundled_results_read_back_as_they_were_written(path):
    result = read_results(path)
    assert result.cases and json.loads(json.dumps(result.to_dict())) == result.to_dict()
    written = json.loads(path.read_text())
    assert [case.name for case in result.cases] == [case["name"] for case in written["cases"]]


def _raw(field, raw):
    """The first bundled results with the first case's ``field`` spelled ``raw`` (JSON as written)."""
    record = json.loads(BUNDLED[0].read_text())
    record["cases"][0][field] = "__RAW__"
    return json.dumps(record).replace('"__RAW__"', raw)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (_raw("final_normalized", '"x"'), "cases[0]: field 'final_normalized' must be a finite number"),
        (_raw("final_normalized", "1" + "0" * 400), "field 'final_normalized' must be a finite number"),
        (_raw("final_normalized", "1e999"), "field 'final_normalized' must be a finite number"),
        (_raw("curve_steps", '[1, "a"]'), "field 'curve_steps' must be a list of whole numbers"),
        (_raw("seed", "9" * 5000), "not a record (a number of more than 4,300 digits)"),
        (_raw("env", "[" * 100_000 + "]" * 100_000), "not a record (nested too deep"),
        (_raw("error", "[" * 40 + "]" * 40), "nested too deep: more than 32 levels"),
        ('{"suite": "quick"}', "does not hold bench results (field 'device' is missing)"),
        ("[1, 2]", "expected a JSON object, found list"),
    ],
)
def test_a_damaged_results_file_is_one_error_naming_it_and_the_field(tmp_path, text, reason):
    path = tmp_path / "results.json"
    path.write_text(text)
    with pytest.raises(StudioError, match=r"results\.json: ") as error:
        read_results(path)
    assert reason in str(error.value) and "\n" not in str(error.value)


def test_report_only_on_a_damaged_file_is_one_line(tmp_path, capsys):
    (tmp_path / "results.json").write_text(_raw("final_return", '{"a": 1}'))
    assert main(["bench", "--report-only", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "results.json: does not hold bench results" in err and "final_return" in err
    assert not (tmp_path / "report.md").exists()
