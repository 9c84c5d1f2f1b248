"""The bench command end to end on a tiny suite (its figures mean nothing; the plumbing is checked)."""

import json

import pytest

from app.cli.main import main


def test_a_tiny_suite_writes_results_report_and_plots(tmp_path, capsys):
    out = tmp_path / "bench"
    cases = "cartpole-gail-ppo-clip,lunar-imperfect-bc"
    assert main(["bench", "--suite", "smoke", "--only", cases, "--out", str(out)]) == 0
    results = json.loads((out / "results.json").read_text())
    assert [c["name"] for c in results["cases"]] == cases.split(",")
    assert results["bare_env_steps_per_s"] > 1000
    for case in results["cases"]:
        assert not case["error"] and case["curve_steps"] and case["peak_rss_mb"] > 50
        assert case["random_return"] < case["demo_return"]
    imperfect = list((out / "demos-imperfect" / "LunarLander-v3").glob("*.npz"))
    assert len(imperfect) == 10
    report = (out / "report.md").read_text()
    assert "| cartpole-gail-ppo-clip |" in report and "Bare LunarLander env" in report
    for name in ("curves-cartpole.png", "curves-bc.png", "scores.png", "throughput.png"):
        assert (out / name).stat().st_size > 5000
    table = capsys.readouterr().out
    assert "lunar-imperfect-bc" in table


def test_unknown_case_is_named(tmp_path, capsys):
    assert main(["bench", "--suite", "smoke", "--only", "nope", "--out", str(tmp_path / "b")]) == 2
    assert "unknown case(s) nope" in capsys.readouterr().err


@pytest.mark.parametrize("suite", ["quick", "full"])
def test_suites_cover_every_case_the_issue_lists(suite):
    from app.bench.harness import SUITES

    names = {case.name for case in SUITES[suite].cases}
    assert {
        "cartpole-gail-ppo-clip",
        "lunar-gail-ppo-clip",
        "lunar-gail-ppo-kl",
        "lunar-gail-trpo",
        "lunar-pure-gail",
        "lunar-bc",
        "lunar-imperfect-gail",
        "lunar-imperfect-bc",
        "lunar-continuous-gail-ppo-clip",
    } <= names


def test_report_only_redraws_from_results_json(tmp_path, capsys):
    out = tmp_path / "bench"
    assert main(["bench", "--suite", "smoke", "--only", "cartpole-gail-ppo-clip", "--out", str(out)]) == 0
    (out / "report.md").unlink()
    assert main(["bench", "--report-only", "--out", str(out)]) == 0
    assert "| cartpole-gail-ppo-clip |" in (out / "report.md").read_text()
    (out / "results.json").write_text("{}")
    assert main(["bench", "--report-only", "--out", str(out)]) == 2
    assert "does not hold bench results" in capsys.readouterr().err


def test_steps_to_0_9_is_the_median_with_never_as_the_largest():
    from app.bench.harness import CaseResult, SuiteResult

    def suite(*reached):
        runs = [
            CaseResult(
                "c",
                "CartPole-v1",
                seed,
                "gail",
                "ppo-clip",
                10,
                1.0,
                1.0,
                1.0,
                [],
                [],
                [],
                1.0,
                0.0,
                1.0,
                1.0,
                1.0,
                1.0,
                0.0,
                steps,
                1.0,
                1.0,
                1.0,
            )
            for seed, steps in enumerate(reached)
        ]
        return SuiteResult("t", "cpu", list(range(len(runs))), {}, 1.0, runs).summary()[0]["steps_to_0_9"]

    assert suite(300, None, 100) == 300
    assert suite(300, None, None) is None
    assert suite(100, 200) == 200
