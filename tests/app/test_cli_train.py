import json

import pytest

from app.cli.main import main
from core.paths import sample_demos_dir
from core.train.runs.run_dir import RunDir
from tests.tiny import TINY_FLAGS

TINY = TINY_FLAGS


def test_train_then_evaluate_then_resume(tmp_path, capsys):
    run = tmp_path / "run"
    status = main(
        [
            "train",
            "--demos",
            str(sample_demos_dir("CartPole-v1")),
            "--steps",
            "256",
            "--seed",
            "3",
            "--out",
            str(run),
            *TINY,
        ]
    )
    out = capsys.readouterr().out
    assert status == 0
    assert "training gail (ppo-clip, reward log-d) on CartPole-v1 from 10 demos" in out
    assert "finished after 256 env steps: deterministic return" in out
    assert "endings: no demo ends before its time limit" in out  # CartPole's samples balance to the limit
    assert "The policy scores" in out and "below your demos' 500.0. Likely: the run was short (256 env steps" in out
    config = json.loads((run / "config.json").read_text())
    assert config["seed"] == 3 and config["num_envs"] == 2
    assert len(RunDir(run).metrics()) == 2

    status = main(["evaluate", str(run), "--episodes", "3", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert status == 0
    assert report["demo_return"] == 500.0
    for mode in ("deterministic", "stochastic"):
        assert set(report[mode]) == {"return_mean", "return_std", "length_mean", "length_std", "normalized_return"}

    status = main(["train", "--resume", str(run), "--steps", "512"])
    assert status == 0
    out = capsys.readouterr().out
    assert "resuming after 256 env steps, on to 512 env steps" in out and "finished after 512 env steps" in out
    assert len(RunDir(run).metrics()) == 4


def test_evaluate_prints_a_table(tmp_path, capsys):
    run = tmp_path / "run"
    main(["train", "--env", "CartPole-v1", "--algo", "bc", "--set", "bc_epochs=2", "--out", str(run), *TINY])
    assert "training bc (2 epochs) on CartPole-v1" in capsys.readouterr().out  # no generator nor reward
    assert main(["evaluate", str(run), "--episodes", "2"]) == 0
    out = capsys.readouterr().out
    assert "deterministic" in out and "stochastic" in out and "normalised" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["train", "--env", "CartPole-v1"], "train needs --out"),
        (["train", "--env", "Pong-v5", "--out", "{tmp}/r"], "unknown environment 'Pong-v5'"),
        (["train", "--env", "CartPole-v1", "--set", "clip_coef=5", "--out", "{tmp}/r"], "clip_coef: 5"),
        (["train", "--env", "CartPole-v1", "--demos", "{samples}", "--out", "{tmp}/r"], "recorded in LunarLander-v3"),
        (["train", "--env", "CartPole-v1", "--config", "{tmp}/nope.json", "--out", "{tmp}/r"], "config file not found"),
        (["evaluate", "{tmp}"], "not a run folder"),
        (["evaluate", "{tmp}/nowhere"], "nowhere: no such folder"),
        (
            [
                "train",
                "--env",
                "CartPole-v1",
                "--algo",
                "bc",
                "--generator",
                "trpo",
                "--steps",
                "100",
                "--out",
                "{tmp}/r",
            ],
            "drop --generator, --steps (the epochs: --set bc_epochs=N)",
        ),
    ],
)
def test_train_errors_are_one_line(tmp_path, capsys, args, message):
    samples = sample_demos_dir("LunarLander-v3")
    args = [a.format(tmp=tmp_path, samples=samples) for a in args]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_resume_refuses_flags_it_would_ignore_and_a_file_as_out_is_one_line(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", "--env", "CartPole-v1", "--algo", "bc", "--set", "bc_epochs=2", "--out", str(run)]) == 0
    capsys.readouterr()
    assert main(["train", "--resume", str(run), "--seed", "3"]) == 2
    assert "drop --seed" in capsys.readouterr().err
    assert main(["train", "--resume", str(run), "--set", "bc_coef=0.1", "--set", "learning_rate=0.5"]) == 2
    assert "--set bc_coef, learning_rate cannot change (what can: total_steps" in capsys.readouterr().err
    assert main(["train", "--resume", str(run), "--set", "bogus=1", "--set", "bc_coef=0.1"]) == 2
    assert "--set: unknown setting(s) bogus" in capsys.readouterr().err
    assert main(["train", "--resume", str(run), "--steps", "100000"]) == 2  # BC counts epochs: not ignored
    assert "drop --steps (--set bc_epochs=N)" in capsys.readouterr().err
    assert main(["train", "--resume", str(run)]) == 2  # done: the hint names what a BC run takes
    assert "(--set bc_epochs=N)" in capsys.readouterr().err
    # More epochs, and what may change on resume, apply (and the run's config says so).
    assert main(["train", "--resume", str(run), "--set", "bc_epochs=3", "--set", "checkpoint_every_s=5"]) == 0
    assert "finished after 3 epochs" in capsys.readouterr().out
    assert RunDir(run).config().checkpoint_every_s == 5
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["train", "--env", "CartPole-v1", "--out", str(blocker)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and "is a file, not a run folder" in err


def test_resume_without_demos_json_is_refused_and_an_all_bad_folder_says_why(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", "--env", "CartPole-v1", "--algo", "bc", "--set", "bc_epochs=2", "--out", str(run)]) == 0
    (run / "demos.json").unlink()
    capsys.readouterr()
    assert main(["train", "--resume", str(run), "--set", "bc_epochs=3"]) == 2
    err = capsys.readouterr().err
    assert "demos.json: does not say where the run's demos are" in err and "Traceback" not in err
    assert not (run / "demos.json").exists()  # not rewritten with some other demos
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "a.npz").write_bytes(b"not an archive")
    assert main(["train", "--demos", str(bad), "--out", str(tmp_path / "run2")]) == 2
    err = capsys.readouterr().err
    assert f"{bad}: no usable episodes" in err and "a.npz: not a readable episode archive" in err


def test_a_failed_run_exits_3_and_names_the_checkpoint_kept(tmp_path, capsys, monkeypatch):
    from core.errors import TrainingError
    from core.train.trainer import Trainer

    run = tmp_path / "run"
    assert main(["train", "--env", "CartPole-v1", "--steps", "256", "--out", str(run), "--set", "num_envs=2"]) == 0
    capsys.readouterr()

    def diverge(self, batch):
        raise TrainingError("the value loss is NaN at iteration 3")

    monkeypatch.setattr(Trainer, "_update", diverge)
    assert main(["train", "--resume", str(run), "--steps", "1024"]) == 3
    err = capsys.readouterr().err
    assert "error: the value loss is NaN at iteration 3" in err and "the last good checkpoint is kept" in err


@pytest.mark.parametrize(
    ("det", "sampled", "verdict"),
    [
        ((-61.1, 46.1), (72.1, 179.8), "sampling scored higher, but not clearly over 5 episodes"),
        ((100.0, 10.0), (200.0, 10.0), "scores clearly higher on this run"),
        ((200.0, 10.0), (150.0, 80.0), "is at least as good as sampling here"),
    ],
)
def test_evaluate_says_which_policy_to_use_without_overclaiming(det, sampled, verdict):
    from app.cli.evaluate import sampling_verdict

    def summary(mean_std):
        return {"return_mean": mean_std[0], "return_std": mean_std[1]}

    assert verdict in sampling_verdict(summary(det), summary(sampled), 5)


def test_start_from_trains_on_the_runs_demos_and_its_corrections_only(tmp_path, capsys):
    from core.data.demo_set import load_demo_set
    from tests.recordings import record_expert_episodes

    demos = tmp_path / "demos"
    record_expert_episodes(demos, "CartPole-v1", count=2)
    first, second = tmp_path / "first", tmp_path / "second"
    assert main(["train", "--demos", str(demos), "--steps", "128", "--out", str(first), *TINY]) == 0
    record_expert_episodes(demos, "CartPole-v1", count=1, first_seed=5)  # not a correction of the run
    keep_a_correction(demos)
    assert len(load_demo_set(demos).episodes) == 4
    # demos info: a correction's longer name and source keep the columns in line.
    capsys.readouterr()
    assert main(["demos", "info", str(demos)]) == 0
    table = [line for line in capsys.readouterr().out.splitlines() if line.startswith(("file", "2"))]
    assert len(table) == 5
    ends = {line.rindex(".") + 3 for line in table[1:]}  # where each row's return ends
    assert ends == {table[0].index("return") + len("return")}
    assert main(["train", "--start-from", str(first), "--steps", "128", "--out", str(second), *TINY]) == 0
    summary = RunDir(second).demo_summary()
    assert summary.episodes == 3 and summary.corrections == 1


def test_resume_with_other_demos_says_what_demos_means_there(tmp_path, capsys):
    from tests.recordings import record_expert_episodes

    run, other = tmp_path / "run", tmp_path / "other"
    assert main(["train", "--env", "CartPole-v1", "--steps", "128", "--out", str(run), *TINY]) == 0
    record_expert_episodes(other, "CartPole-v1", count=1, first_seed=40)
    capsys.readouterr()
    assert main(["train", "--resume", str(run), "--demos", str(other), "--steps", "512"]) == 2
    err = capsys.readouterr().err
    assert "the run trained on this episode" in err and "--demos only says where the run's own episodes are now" in err
    assert err.count("\n") == 1


def test_training_on_demos_that_mostly_crashed_warns_first(tmp_path, capsys):
    demos, run = tmp_path / "crashed", tmp_path / "run"
    # Random actions: the lander crashes within a few seconds.
    assert (
        main(["record-expert", "--env", "LunarLander-v3", "--episodes", "2", "--noise", "1", "--out", str(demos)]) == 0
    )
    tiny = [*TINY, "--set", "rollout_process=false", "--set", "bc_warmstart_epochs=1"]
    assert main(["train", "--demos", str(demos), "--steps", "128", "--out", str(run), *tiny]) == 0
    out, err = capsys.readouterr()
    # With no good ending to prefer, GAIL imitates the endings too (core.data.ending_choice), and says so.
    assert "endings: none of the 2 demos ended well: the policy imitates them" in out
    assert "warning: 2 of 2 demos ended badly (most: crashed" in err and "their endings included" in err
    assert (
        main(
            [
                "train",
                "--demos",
                str(demos),
                "--steps",
                "128",
                "--out",
                str(tmp_path / "ignored"),
                *tiny,
                "--set",
                'failed_endings="ignore"',
            ]
        )
        == 0
    )
    err = capsys.readouterr().err
    assert "Their steps are imitated, their endings are not" in err and "none ended well" in err
    # Behaviour cloning copies every action, the crashes' included: the warning says so.
    bc = ["--algo", "bc", "--set", "bc_epochs=1"]
    assert main(["train", "--demos", str(demos), *bc, "--out", str(tmp_path / "bc-run")]) == 0
    err = capsys.readouterr().err
    assert "The policy imitates them, their endings included" in err and "are not" not in err


def test_a_second_ctrl_c_quits_at_once_and_names_the_checkpoint_kept(tmp_path, capsys, monkeypatch):
    import app.cli.train_progress as train_progress

    run = tmp_path / "run"
    assert main(["train", "--env", "CartPole-v1", "--steps", "256", "--out", str(run), *TINY]) == 0

    def second_ctrl_c(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(train_progress, "_show_progress", second_ctrl_c)
    capsys.readouterr()
    assert main(["train", "--resume", str(run), "--steps", "512"]) == 130
    err = capsys.readouterr().err
    assert "interrupted at once (Ctrl-C twice); its last checkpoint is kept" in err and f"--resume {run}" in err


def test_start_from_a_samples_run_takes_its_corrections_from_demos(tmp_path, capsys):
    import shutil

    from tests.recordings import record_expert_episodes

    first, second, mine = tmp_path / "first", tmp_path / "second", tmp_path / "mine"
    assert main(["train", "--env", "CartPole-v1", "--steps", "128", "--out", str(first), *TINY]) == 0  # the samples
    shutil.copytree(sample_demos_dir("CartPole-v1"), mine)  # where the Coach view keeps a samples run's corrections
    record_expert_episodes(mine, "CartPole-v1", count=1, first_seed=5)  # another recording: stays out
    keep_a_correction(mine)
    args = ["train", "--start-from", str(first), "--demos", str(mine), "--steps", "128", "--out", str(second)]
    assert main([*args, *TINY]) == 0
    summary = RunDir(second).demo_summary()
    assert summary.episodes == 11 and summary.corrections == 1


def keep_a_correction(folder):
    """A CartPole episode in which a person (simulated) took over, kept in ``folder`` as coach mode keeps it."""
    from core.envs.registry import get_spec
    from core.rl.nets import ActorCritic
    from core.sessions.coach_session import CoachSession

    spec = get_spec("CartPole-v1")
    session = CoachSession(ActorCritic(spec), spec, folder, render=False, seed=3)
    session.press("Left")
    while not session.done:
        session.step()
    session.keep()
    session.close()


def test_resume_of_a_hand_edited_checkpoint_is_one_line(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", "--env", "CartPole-v1", "--steps", "128", "--out", str(run), *TINY_FLAGS]) == 0
    path = run / "checkpoints" / "latest.json"
    record = json.loads(path.read_text())
    path.write_text(json.dumps(record | {"kl_beta": "x"}))
    capsys.readouterr()
    assert main(["train", "--resume", str(run), "--steps", "256"]) == 2
    err = capsys.readouterr().err
    assert "latest.json: field 'kl_beta' must be a finite number" in err and err.count("\n") == 1
    del record["kl_beta"]
    path.write_text(json.dumps(record))
    assert main(["train", "--resume", str(run), "--steps", "256"]) == 2
    err = capsys.readouterr().err
    assert "latest.json: field 'kl_beta' is missing" in err and err.count("\n") == 1


@pytest.mark.slow
def test_a_run_stops_when_it_is_done_and_keeps_going_when_asked(tmp_path, capsys):
    """CartPole from the samples: the policy balances to the limit long before 50k steps, the run
    stops there as a finished run, and --set stop_when_done=false trains it on to its total."""
    run = tmp_path / "run"
    flags = ["--set", "eval_every_iters=2", "--set", "rollout_process=false"]
    assert main(["train", "--demos", str(sample_demos_dir("CartPole-v1")), "--out", str(run), *flags]) == 0
    out = capsys.readouterr().out
    assert "done: the policy reached your demos' level" in out and "--set stop_when_done=false" in out
    folder = RunDir(run)
    total = folder.config().steps_trained
    stopped_at = folder.checkpoint().state["env_steps"]
    assert stopped_at < total and folder.finished()  # a finished run, evaluated, not a stopped one
    assert main(["train", "--resume", str(run), "--set", "stop_when_done=false"]) == 0
    assert "done:" not in capsys.readouterr().out
    assert folder.checkpoint().state["env_steps"] == total and folder.config().stop_when_done is False


def test_evaluate_says_when_the_run_kept_an_earlier_policy(tmp_path, capsys):
    import dataclasses

    run = tmp_path / "run"
    assert (
        main(["train", "--demos", str(sample_demos_dir("CartPole-v1")), "--steps", "128", "--out", str(run), *TINY])
        == 0
    )
    folder = RunDir(run)
    assert main(["evaluate", str(run), "--episodes", "2"]) == 0
    assert "keeps its policy" not in capsys.readouterr().out
    settled = dataclasses.replace(folder.final_eval(), earlier_policy_at=64, last_shown_return=12.5)
    folder.write_final_eval(settled)
    assert main(["evaluate", str(run), "--episodes", "2"]) == 0
    out = capsys.readouterr().out
    assert "The run keeps its policy of 64 env steps" in out and "(return 12.5)" in out


def test_the_console_command_exits_quickly_with_its_output_and_files_whole(tmp_path):
    """train ends without the interpreter's teardown (app.cli.main.console_main): its piped output
    must still arrive whole and its run folder be finished."""
    import subprocess
    import sys

    run = tmp_path / "run"
    command = [sys.executable, "-m", "app.cli", "train", "--env", "CartPole-v1", "--steps", "128", "--out", str(run)]
    done = subprocess.run([*command, *TINY], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().splitlines()[-1].startswith("finished after 128 env steps")
    assert RunDir(run).finished() and len(RunDir(run).metrics()) == 1
    refused = subprocess.run([*command, *TINY], capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and "already exists" in refused.stderr  # an error's status and line too
