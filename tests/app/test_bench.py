"""The bench command end to end on a tiny suite (its figures mean nothing; the plumbing is checked)."""

import json

import pytest

from app.cli.main import main


@pytest.mark.slow  # over 20 s here: `pytest -m "not slow"` leaves it out of a quick loop
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


@pytest.mark.parametrize("suite", ["quick", "full", "human", "paper", "people"])
def test_every_case_of_a_suite_is_a_valid_training_run(suite):
    # What a case asks for must be a config the trainer accepts, on demos that exist: a typo in a
    # setting would otherwise surface an hour into the benchmark.
    from app.bench.demo_recipes import DEMO_RECIPES
    from app.bench.suites import SUITES
    from core.paths import sample_demos_dir
    from core.train.settings.config import default_config

    cases = SUITES[suite].cases
    assert len({case.name for case in cases}) == len(cases)
    for case in cases:
        config = default_config(case.env, **case.settings)
        assert config.env == case.env
        assert case.demos in DEMO_RECIPES and (case.demos != "samples" or sample_demos_dir(case.env).is_dir())
    if suite in ("human", "paper", "people"):
        assert {default_config(c.env, **c.settings).algo for c in cases} == {"gail", "bc"}
        return
    algorithms = {
        (default_config(c.env, **c.settings).algo, default_config(c.env, **c.settings).generator) for c in cases
    }
    assert {("gail", "ppo-clip"), ("gail", "ppo-kl"), ("gail", "trpo"), ("bc", "ppo-clip")} <= algorithms


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


@pytest.mark.slow  # over 20 s here: `pytest -m "not slow"` leaves it out of a quick loop
def test_the_people_suite_scores_each_simulated_person_against_their_own_demos(tmp_path):
    from app.bench.suites import SUITES
    from core.envs.player_population import HELD_OUT

    held_out = {case.name for case in SUITES["people-held-out"].cases}
    assert held_out and all(case.name.startswith("held-out-") for case in SUITES["people-held-out"].cases)
    assert {name.split("-", 2)[2].rsplit("-", 2)[0] for name in held_out} == set(HELD_OUT)
    assert held_out.isdisjoint(case.name for case in SUITES["people-dev"].cases)
    out = tmp_path / "people"
    cases = ["held-out-pole-drifter-gail-3", "held-out-pole-drifter-bc-3"]
    only = ["--only", ",".join(cases), "--first-seed", "4"]  # seeds added to an earlier run's
    assert main(["bench", "--suite", "people-smoke", *only, "--out", str(out)]) == 0
    results = json.loads((out / "results.json").read_text())
    assert results["seeds"] == [4] and {case["seed"] for case in results["cases"]} == {4}
    demos = sorted((out / "demos-person-pole-drifter-3" / "CartPole-v1").glob("*.npz"))
    assert len(demos) == 3 and {case["name"] for case in results["cases"]} == set(cases)
    for case in results["cases"]:  # the person's own mean return is the normalised 1
        assert 20.0 < case["demo_return"] < 400.0 and case["reference_return"] == case["demo_return"]


@pytest.mark.slow  # over 20 s here: `pytest -m "not slow"` leaves it out of a quick loop
def test_the_paper_suite_scales_to_the_expert_and_plots_return_against_trajectories(tmp_path):
    out = tmp_path / "paper"
    cases = [f"paper-cartpole-{algo}-{n}" for algo in ("gail", "bc") for n in (1, 4)]
    assert main(["bench", "--suite", "paper-smoke", "--only", ",".join(cases), "--out", str(out)]) == 0
    results = json.loads((out / "results.json").read_text())
    for case in results["cases"]:
        assert case["reference_return"] == 500.0  # the scripted expert on the evaluation seeds
        assert case["demo_return"] == 500.0 and case["final_normalized_stochastic"] is not None
    assert len(list((out / "demos-expert-4" / "CartPole-v1").glob("*.npz"))) == 4
    assert (out / "paper-cartpole.png").stat().st_size > 5000
    assert "![learning curves](paper-cartpole.png)" in (out / "report.md").read_text()


def test_bench_set_applies_to_every_case_and_is_recorded(tmp_path, capsys):
    out = tmp_path / "variant"
    args = ["bench", "--suite", "smoke", "--only", "cartpole-gail-ppo-clip", "--out", str(out)]
    assert main([*args, "--set", "disc_steps=2"]) == 0
    results = json.loads((out / "results.json").read_text())
    assert results["overrides"] == {"disc_steps": 2}
    run_config = json.loads((out / "runs" / "cartpole-gail-ppo-clip-seed0" / "config.json").read_text())
    assert run_config["disc_steps"] == 2
    assert "{'disc_steps': 2}" in (out / "report.md").read_text()
    assert main([*args, "--set", "no_such_setting=1"]) == 2
    assert "no_such_setting" in capsys.readouterr().err


def test_the_coach_suite_compares_corrections_with_more_demos_for_human_steps(tmp_path, capsys):
    import json

    from app.bench.coaching import about_to_fail, steps_to_reach
    from core.data.demo_set import load_demo_set

    out = tmp_path / "coach"
    assert main(["bench", "--suite", "coach-smoke", "--seeds", "1", "--out", str(out)]) == 0
    curves = json.loads((out / "coach.json").read_text())["curves"]
    assert [c["method"] for c in curves] == ["lunar-corrections", "lunar-more-demos"]
    for curve in curves:
        steps = curve["human_steps"]
        # Both start from the same base run; each round spends at least the budget (60 steps).
        assert len(steps) == 2 and steps[1] - steps[0] >= 60
        assert steps[0] == load_demo_set(out / "demos-human-good-2" / "LunarLander-v3").n_steps
    corrections = load_demo_set(out / "seed0" / "lunar-corrections" / "demos").corrections
    assert (
        corrections
        and sum(e.demonstrated_steps for e in corrections) == curves[0]["human_steps"][1] - curves[0]["human_steps"][0]
    )
    more = load_demo_set(out / "seed0" / "lunar-more-demos" / "demos")
    assert not more.corrections and len(more.episodes) > 2
    assert (out / "coach.png").stat().st_size > 1000 and "steps to 0.95" in (out / "coach.md").read_text()
    # The coach's judgement and the report's reading of a curve.
    assert about_to_fail([0.0, 0.2, 0.0, -0.8, 0.0], 10) and not about_to_fail([0.0, 1.2, 0.0, -0.1, 0.0], 10)
    assert steps_to_reach({"human_steps": [10, 20, 30], "normalized": [0.5, 0.96, 0.9]}) == 20
    assert steps_to_reach({"human_steps": [10], "normalized": [0.5]}) is None


@pytest.mark.slow  # over 20 s here: `pytest -m "not slow"` leaves it out of a quick loop
def test_bench_on_ray_runs_the_cases_side_by_side_with_the_same_results(tmp_path):
    pytest.importorskip("ray")
    args = ["bench", "--suite", "smoke", "--only", "cartpole-gail-ppo-clip", "--seeds", "2"]
    assert main([*args, "--out", str(tmp_path / "serial")]) == 0
    assert main([*args, "--ray", "--out", str(tmp_path / "ray")]) == 0
    serial, on_ray = (json.loads((tmp_path / name / "results.json").read_text())["cases"] for name in ("serial", "ray"))
    assert [(c["name"], c["seed"]) for c in on_ray] == [("cartpole-gail-ppo-clip", 0), ("cartpole-gail-ppo-clip", 1)]
    # The same training, wherever it ran: seeds decide everything.
    assert [c["final_return"] for c in on_ray] == [c["final_return"] for c in serial]
    assert (tmp_path / "ray" / "report.md").is_file()
