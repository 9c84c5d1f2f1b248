"""Choosing which demos train: the folder's selection, what a run records, and resuming on the same data."""

import json
import shutil

import pytest

from core.data.demo_selection import (
    SELECTION_FILE,
    DemoSelection,
    load_selection,
    only_files,
    save_selection,
    training_demos,
)
from core.data.demo_set import load_demo_set
from core.errors import DemoError
from core.train.runs.run_dir import RunDir
from core.train.settings.config import default_config
from core.train.trainer import Trainer
from tests.recordings import record_expert_episodes


def test_the_default_selection_keeps_everything_and_leaves_no_file(mixed_lander_demos):
    demos = load_demo_set(mixed_lander_demos)
    chosen = training_demos(demos)
    assert len(chosen.episodes) == 4 and chosen.left_out == ()
    save_selection(mixed_lander_demos, DemoSelection())
    assert not (mixed_lander_demos / SELECTION_FILE).exists()


def test_ticks_endings_and_minimum_return_leave_episodes_out_with_reasons(mixed_lander_demos):
    demos = load_demo_set(mixed_lander_demos)
    crashes = [e for e in demos.episodes if e.ending.failed]
    assert len(crashes) == 2
    landing = next(e for e in demos.episodes if not e.ending.failed)
    selection = DemoSelection(successful_only=True).with_ticked(landing.path.name, False)
    save_selection(mixed_lander_demos, selection)
    assert load_selection(mixed_lander_demos) == selection
    chosen = training_demos(load_demo_set(mixed_lander_demos))
    assert len(chosen.episodes) == 1
    reasons = {item.path.name: item.reason for item in chosen.left_out}
    assert reasons[landing.path.name] == "unticked"
    assert all(reasons[e.path.name] == "ending: crashed" for e in crashes)
    save_selection(mixed_lander_demos, DemoSelection(min_return=1e6))
    with pytest.raises(DemoError, match=r"all 4 episodes are left out by selection\.json"):
        training_demos(load_demo_set(mixed_lander_demos))


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{not json", "not valid JSON"),
        ('{"excluded": "a.npz"}', "field 'excluded' must be a list of text"),
        ('{"min_return": "high"}', "field 'min_return' must be a finite number"),
        ('{"successful_only": 1}', "field 'successful_only' must be true or false"),
        ("[]", "expected a JSON object, found list"),
        ('{"excluded": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deep"),
        ('{"min_return": ' + "9" * 5000 + "}", "a number of more than 4,300 digits"),
    ],
)
def test_a_bad_selection_file_is_named(mixed_lander_demos, content, reason):
    (mixed_lander_demos / SELECTION_FILE).write_text(content)
    with pytest.raises(DemoError, match=f"{SELECTION_FILE}: .*{reason}"):
        load_selection(mixed_lander_demos)


def test_a_run_records_its_files_and_resumes_on_exactly_them(mixed_lander_demos, tmp_path):
    demos = load_demo_set(mixed_lander_demos)
    names = sorted(e.path.name for e in demos.episodes)
    save_selection(mixed_lander_demos, DemoSelection().with_ticked(names[0], False))
    config = default_config("LunarLander-v3", total_steps=64, num_envs=2, num_steps=32, rollout_process=False)
    run_dir = tmp_path / "run"
    Trainer(config, training_demos(load_demo_set(mixed_lander_demos)), run_dir=run_dir)
    summary = json.loads((run_dir / "demos.json").read_text())  # the file as written, not its reader
    assert sorted(f["name"] for f in summary["files"]) == names[1:]
    assert all(len(f["sha256"]) == 64 and f["ending"] for f in summary["files"])
    assert summary["left_out"] == [{"name": names[0], "reason": "unticked"}] and summary["unusable"] == []
    # Ticking everything back in later does not change what the run resumes on.
    save_selection(mixed_lander_demos, DemoSelection())
    run = RunDir(run_dir)
    assert sorted(e.path.name for e in run.training_demos(config.env).episodes) == names[1:]
    # A changed or vanished file is refused by name.
    changed = mixed_lander_demos / names[1]
    changed.write_bytes(changed.read_bytes() + b"\0")
    with pytest.raises(DemoError, match=f"{names[1]}"):
        run.training_demos(config.env)
    shutil.rmtree(mixed_lander_demos)
    record_expert_episodes(mixed_lander_demos, "LunarLander-v3", count=1, first_seed=50)
    with pytest.raises(DemoError, match="gone or unusable"):
        only_files(load_demo_set(mixed_lander_demos), [(f["name"], f["sha256"]) for f in summary["files"]])
