"""RunDir: one place that understands a run folder, with one set of resume rules."""

import json
import os

import pytest
import torch

from core.data.demo_set import load_demo_set
from core.envs.registry import get_spec
from core.errors import CheckpointError
from core.paths import sample_demos_dir
from core.rl.nets import ActorCritic
from core.train.runs.checkpoint import Checkpoint
from core.train.runs.records import DemoSummary, FinalEval, Origin
from core.train.runs.run_dir import NothingToResume, RunDir
from core.train.settings.config import default_config

CARTPOLE = "CartPole-v1"


def make_run(tmp_path, env_steps: int, total_steps: int = 4096, algo: str = "gail", iteration: int = 2) -> RunDir:
    config = default_config(CARTPOLE, total_steps=total_steps, algo=algo, bc_epochs=5)
    run = RunDir(tmp_path / "run")
    run.write_config(config)
    run.write_demo_summary(load_demo_set(sample_demos_dir(CARTPOLE)))
    policy = ActorCritic(get_spec(CARTPOLE), config.hidden_size, config.normalize_obs)
    run.save_checkpoint(Checkpoint({"policy": policy.state_dict()}, {"env_steps": env_steps, "iteration": iteration}))
    return run


def test_a_stopped_run_resumes_to_its_own_total_unless_more_is_asked(tmp_path):
    run = make_run(tmp_path, env_steps=1024)
    config, state = run.resume_config()
    assert config.total_steps == 4096 and state["env_steps"] == 1024
    assert run.resume_config(8192)[0].total_steps == 8192
    # Less than it has: not "done" (it stopped short of its own total), and what would do.
    with pytest.raises(NothingToResume, match=r"the run stopped at 1,024 of its 4,096 .* above 1,024"):
        run.resume_config(512)


def test_a_finished_run_resumes_only_to_a_larger_total(tmp_path):
    run = make_run(tmp_path, env_steps=4096)
    with pytest.raises(NothingToResume, match="the run is done \\(4,096 env steps trained, 4,096 asked for\\)"):
        run.resume_config()
    with pytest.raises(NothingToResume):
        run.resume_config(4096)
    run.write_final_eval(FinalEval(return_mean=500.0, return_std=0.0, length_mean=500.0, episodes=10))
    assert run.finished()
    assert run.resume_config(6144)[0].total_steps == 6144
    later = (run.path / "final_eval.json").stat().st_mtime + 5  # then a checkpoint of the run trained on
    os.utime(run.latest_checkpoint(), (later, later))
    assert not run.finished() and run.final_eval() is not None  # stopped short again; nothing deleted


def test_behaviour_cloning_resumes_by_epochs(tmp_path):
    run = make_run(tmp_path, env_steps=0, algo="bc", iteration=5)
    with pytest.raises(NothingToResume, match="epochs"):
        run.resume_config()
    with pytest.raises(NothingToResume):
        run.resume_config(wanted_steps=1_000_000)  # env steps say nothing of a BC run's epochs
    assert run.resume_config(wanted_epochs=8)[0].bc_epochs == 8


def test_the_demos_and_the_final_evaluation_are_read_back(tmp_path):
    run = make_run(tmp_path, env_steps=4096)
    assert run.demos_folder() == sample_demos_dir(CARTPOLE).resolve()
    assert run.demo_summary().episodes == len(load_demo_set(sample_demos_dir(CARTPOLE)).episodes)
    assert run.final_eval() is None
    run.write_final_eval(FinalEval(return_mean=500.0, return_std=0.0, length_mean=500.0, episodes=10))
    assert run.final_eval().return_mean == 500.0
    (run.path / "final_eval.json").write_text(json.dumps({"return_mean": "lots"}))
    with pytest.raises(
        CheckpointError, match=r"final_eval\.json: field 'return_mean' must be a finite number, not 'lots'"
    ):
        run.final_eval()


def test_the_typed_records_round_trip_and_name_a_bad_field(tmp_path):
    run = make_run(tmp_path, env_steps=4096)
    final = FinalEval(
        return_mean=200.0,
        return_std=3.0,
        length_mean=300.0,
        episodes=10,
        sampled_return_mean=250.0,
        sampled_return_std=4.0,
    )
    run.write_final_eval(final)
    assert run.final_eval() == final  # the sampled figures too (they were once dropped on reading)
    run.write_origin(Origin(run="/runs/a", iteration=3, env_steps=1536))
    assert run.origin() == Origin(run="/runs/a", iteration=3, env_steps=1536)
    summary = run.demo_summary()
    assert summary is not None and summary.files and all(len(item.sha256) == 64 for item in summary.files)
    assert DemoSummary.from_dict(summary.to_dict(), "demos.json") == summary
    record = json.loads((run.path / "demos.json").read_text())
    record["files"][1]["return"] = "high"
    (run.path / "demos.json").write_text(json.dumps(record))
    with pytest.raises(CheckpointError, match=r"demos.json files\[1\]: field 'return' must be a finite number"):
        run.demo_summary()
    (run.path / "origin.json").write_text("[" * 100_000 + "]" * 100_000)  # valid JSON nested past Python's limit
    with pytest.raises(CheckpointError, match=r"origin\.json: not a record"):
        run.origin()


def test_a_torn_metrics_line_is_skipped(tmp_path):
    run = make_run(tmp_path, env_steps=0)
    run.append_metrics({"iteration": 1, "env_steps": 512})
    with open(run.path / "metrics.jsonl", "a") as handle:
        handle.write('{"iteration": 2, "env_st')  # a crash mid-append
    assert run.metrics() == [{"iteration": 1, "env_steps": 512}]


def test_the_policy_loads_and_exports_with_its_config(tmp_path):
    from safetensors import safe_open

    run = make_run(tmp_path, env_steps=1024)
    policy, config = run.load_policy()
    assert config.env == CARTPOLE and isinstance(policy, ActorCritic)
    run.export_policy(tmp_path / "policy.safetensors")
    with safe_open(str(tmp_path / "policy.safetensors"), "pt") as exported:
        assert exported.metadata()["env"] == CARTPOLE
        weight = next(key for key in exported.keys() if key.endswith("weight"))  # noqa: SIM118 - not a dict
        assert torch.equal(exported.get_tensor(weight), policy.state_dict()[weight])


def test_a_folder_that_is_not_a_run_is_named(tmp_path):
    with pytest.raises(CheckpointError, match="not a run folder"):
        RunDir(tmp_path).config()
    (tmp_path / "demos.json").write_text("{}")
    with pytest.raises(CheckpointError, match=r"demos\.json: field 'folder' is missing"):
        RunDir(tmp_path).demos_folder()


def test_resuming_drops_the_metrics_written_after_the_checkpoint(tmp_path):
    # A crash between two checkpoints: the resumed run redoes those iterations, once.
    run = make_run(tmp_path, env_steps=1024, iteration=2)
    for iteration in range(1, 6):
        run.append_metrics({"iteration": iteration, "env_steps": 512 * iteration})
    run.resume_config()
    assert [record["iteration"] for record in run.metrics()] == [1, 2]


def test_a_player_loads_a_run_through_its_run_dir(tmp_path):
    from core.rl.nets import Discriminator
    from core.sessions.playback import PolicyPlayer

    run = make_run(tmp_path, env_steps=1024)
    player, state = PolicyPlayer.from_run(run.path)
    assert state["env_steps"] == 1024 and not player.has_disc  # this checkpoint holds no D
    player.close()
    config = run.config()
    spec = get_spec(CARTPOLE)
    policy = ActorCritic(spec, config.hidden_size, config.normalize_obs)
    disc = Discriminator(spec, config.disc_hidden_size, config.normalize_obs)
    run.save_checkpoint(
        Checkpoint({"policy": policy.state_dict(), "disc": disc.state_dict()}, {"env_steps": 2048, "iteration": 4})
    )
    player, _ = PolicyPlayer.from_run(run.path)
    assert player.has_disc and torch.equal(player.disc.net[0].weight, disc.net[0].weight)
    player.close()
    wrong = ActorCritic(spec, config.hidden_size * 2, config.normalize_obs)
    run.save_checkpoint(Checkpoint({"policy": wrong.state_dict()}, {"env_steps": 4096, "iteration": 8}))
    with pytest.raises(CheckpointError, match="checkpoint policy does not fit its config"):
        PolicyPlayer.from_run(run.path)


def test_resume_cuts_metrics_to_the_checkpoint_and_drops_a_torn_tail(tmp_path):
    run = make_run(tmp_path, env_steps=1024, iteration=2)
    lines = [json.dumps({"iteration": i, "env_steps": 512 * i}) for i in (1, 2, 3)]
    (run.path / "metrics.jsonl").write_text("\n".join(lines) + '\n{"iteration": 4, "env_st')  # killed mid-append
    assert [r["iteration"] for r in run.metrics()] == [1, 2, 3]  # the torn tail is not a record
    run.resume_config()
    assert (run.path / "metrics.jsonl").read_text() == "\n".join(lines[:2]) + "\n"
    run.append_metrics({"iteration": 3, "env_steps": 1536})
    assert [r["iteration"] for r in run.metrics()] == [1, 2, 3]


def test_a_bad_line_inside_the_metrics_is_named_not_skipped(tmp_path):
    run = make_run(tmp_path, env_steps=1024)
    (run.path / "metrics.jsonl").write_text('{"iteration": 1}\nnot json\n{"iteration": 2}\n')
    with pytest.raises(CheckpointError, match=r"metrics\.jsonl: line 2 is not a metrics record"):
        run.metrics()


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("[" * 30_000 + "]" * 30_000, "nested too deep"),  # within a line's cap: the decoder's limit
        ('{"a": ' + "[" * 33 + "]" * 33 + "}", "nested too deep: more than 32 levels"),
        ('{"iteration": ' + "1" * 5000 + "}", "a number of more than 4,300 digits"),
        ('{"iteration": "x"}', "field 'iteration' must be a whole number"),
    ],
)
def test_a_hostile_metrics_line_is_named_on_resume(tmp_path, line, reason):
    run = make_run(tmp_path, env_steps=1024)
    (run.path / "metrics.jsonl").write_text('{"iteration": 1}\n' + line + '\n{"iteration": 2}\n')
    with pytest.raises(CheckpointError, match=rf"metrics\.jsonl: line 2 is not a metrics record \(.*{reason}"):
        run.resume_config(8192)


def test_a_checkpoint_with_flipped_bits_or_nan_is_refused_by_name(tmp_path, capsys):
    from app.cli.main import main

    run = make_run(tmp_path, env_steps=1024)
    path = run.latest_checkpoint()
    data = bytearray(path.read_bytes())
    data[-5] ^= 0x10  # a flipped bit inside a weight: the file still parses
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match=r"latest\.safetensors: corrupt \(its sha256 differs"):
        run.checkpoint()
    assert main(["evaluate", str(run.path), "--episodes", "2"]) == 2
    err = capsys.readouterr().err
    assert "corrupt" in err and "Traceback" not in err and err.count("\n") == 1
    config = run.config()
    policy = ActorCritic(get_spec(CARTPOLE), config.hidden_size, config.normalize_obs)
    state = policy.state_dict()
    next(value for value in state.values() if value.is_floating_point()).view(-1)[0] = float("nan")
    run.save_checkpoint(Checkpoint({"policy": state}, {"env_steps": 2048, "iteration": 4}))
    with pytest.raises(CheckpointError, match="holds NaN or infinite numbers"):
        run.checkpoint()
    (run.path / "checkpoints" / "latest.json").write_text("[1, 2]")
    with pytest.raises(CheckpointError, match=r"latest\.json: expected a JSON object, found list"):
        run.checkpoint()


@pytest.mark.parametrize("iteration", [None, "7", -1, True])
def test_a_checkpoint_record_without_a_proper_iteration_is_refused(tmp_path, iteration):
    run = make_run(tmp_path, env_steps=1024)
    path = run.path / "checkpoints" / "latest.json"
    record = json.loads(path.read_text())
    if iteration is None:
        del record["iteration"]
    else:
        record["iteration"] = iteration
    path.write_text(json.dumps(record))
    with pytest.raises(CheckpointError, match=r"latest\.json: field 'iteration' (is missing|must be a whole number)"):
        run.resume_config(8192)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("kl_beta", "x", r"latest\.json: field 'kl_beta' must be a finite number, not 'x'"),
        ("wall_time_s", [1], r"latest\.json: field 'wall_time_s' must be a finite number"),
        ("policy_opt", {"param_groups": "abc"}, r"latest\.json policy_opt: field 'param_groups' must be a list"),
        ("policy_opt", {"param_groups": [{"params": "0"}]}, r"policy_opt param_groups\[0\]: field 'params' must be"),
        ("policy_opt", {"param_groups": [], "scalars": [1]}, r"policy_opt: field 'scalars' must map"),
        ("groups", "policy", r"latest\.json: field 'groups' must be a list of names"),
    ],
)
def test_a_checkpoint_record_of_the_wrong_types_names_the_file_and_field(tmp_path, field, value, message):
    run = make_run(tmp_path, env_steps=1024)
    path = run.path / "checkpoints" / "latest.json"
    path.write_text(json.dumps(json.loads(path.read_text()) | {field: value}))
    with pytest.raises(CheckpointError, match=message):
        run.checkpoint()


def test_a_metrics_file_past_its_cap_is_refused_by_name_unread(tmp_path):
    from core.train.runs.metrics_file import METRICS_MAX_BYTES

    run = make_run(tmp_path, env_steps=1024)
    path = run.path / "metrics.jsonl"
    with open(path, "wb") as handle:  # sparse: as large as the cap says, without writing it
        handle.truncate(METRICS_MAX_BYTES + 1)
    with pytest.raises(CheckpointError, match=r"metrics\.jsonl: 268,435,457 bytes, more than a run's metrics can be"):
        run.metrics()
    with pytest.raises(CheckpointError, match="move it aside"):
        run.resume_config(8192)
    path.unlink()  # moved aside: the run resumes without its curves
    assert run.resume_config(8192)[1]["iteration"] == 2


def test_a_metrics_line_past_its_cap_is_unusable_inside_and_torn_at_the_end(tmp_path):
    from core.train.runs.metrics_file import METRICS_LINE_MAX_BYTES

    run = make_run(tmp_path, env_steps=1024)
    path = run.path / "metrics.jsonl"
    long_line = '{"iteration": 2, "note": "' + "x" * METRICS_LINE_MAX_BYTES + '"}'
    path.write_text('{"iteration": 1}\n' + long_line + '\n{"iteration": 2}\n')
    with pytest.raises(CheckpointError, match=r"metrics\.jsonl: line 2 is not a metrics record \(more than 65,536"):
        run.metrics()
    path.write_text('{"iteration": 1}\n' + long_line + "\n")  # the last line: what a torn append leaves
    assert run.metrics() == [{"iteration": 1}]
    run.resume_config(8192)
    assert path.read_text() == '{"iteration": 1}\n'  # rewritten on whole lines
    at_cap = '{"iteration": 2, "note": "' + "x" * (METRICS_LINE_MAX_BYTES - 28) + '"}'
    assert len(at_cap) == METRICS_LINE_MAX_BYTES
    path.write_text('{"iteration": 1}\n' + at_cap + "\n")
    assert [record["iteration"] for record in run.metrics()] == [1, 2]


@pytest.mark.parametrize(
    ("betas", "message"),
    [
        ("x", "must be a list of 2 finite numbers, not 'x'"),
        ([0.9], "must be a list of 2 finite numbers, not [0.9]"),
        ([0.9, float("inf")], "must be a list of 2 finite numbers"),
        (10**400, "must be a list of 2 finite numbers, not 1000"),
    ],
)
def test_an_optimizer_setting_of_another_kind_is_refused_on_resume(tmp_path, betas, message):
    from core.train.runs.checkpoint import restore_training, training_checkpoint

    policy = ActorCritic(get_spec(CARTPOLE), 16, False)
    optimizer = torch.optim.Adam(policy.parameters())
    sum(parameter.sum() for parameter in policy.parameters()).backward()
    optimizer.step()  # moments to keep
    checkpoint = training_checkpoint({"policy": policy}, {"policy_opt": optimizer}, {"iteration": 1, "env_steps": 8})
    restore_training(checkpoint, tmp_path, {"policy": policy}, {"policy_opt": optimizer})  # as saved: it fits
    checkpoint.state["policy_opt"]["param_groups"][0]["betas"] = betas
    with pytest.raises(CheckpointError, match=r"latest\.json policy_opt param_groups\[0\]: field 'betas' ") as error:
        restore_training(checkpoint, tmp_path, {"policy": policy}, {"policy_opt": optimizer})
    assert message in str(error.value)
    checkpoint.state["policy_opt"] = "abc"
    with pytest.raises(CheckpointError, match=r"latest\.json: field 'policy_opt' must be an optimizer's state"):
        restore_training(checkpoint, tmp_path, {"policy": policy}, {"policy_opt": optimizer})
