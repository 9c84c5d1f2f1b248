"""What a run needs before it starts (settings, demos, device, folder): new, coached from a run, or resumed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from app.gui.train.train_settings import TrainSettingsPanel
from core.data.demo_selection import training_demos
from core.data.demo_set import DemoSet, load_demo_set
from core.data.workspace import Workspace
from core.train.runs.run_dir import NothingToResume, RunDir
from core.train.settings.config import TrainConfig
from core.train.settings.device import device_for


@dataclass(frozen=True)
class Launch:
    config: TrainConfig
    demos: DemoSet
    run_dir: Path
    device: str  # "cpu", "cuda", ...: where it trains
    resume_state: dict | None = None  # the checkpoint's state when it resumes; None: a new run
    start_from: Path | None = None  # the run whose networks a coached run starts from

    @property
    def resumes(self) -> bool:
        return self.resume_state is not None


def new_run(settings_panel: TrainSettingsPanel, workspace: Workspace) -> Launch:
    """A new run of the form's settings on its chosen demos; StudioError or OSError says why not.

    The run folder is made last: a run that cannot start leaves no empty folder behind.
    """
    config = settings_panel.config_from_form()
    choice = settings_panel.demo_choice()
    demos = training_demos(load_demo_set(choice.folder, env_key=config.env)).require_episodes()
    device = device_for(config).device
    run_dir = workspace.new_run_dir(f"{config.env}-{config.algo}-{config.generator}")
    return Launch(config, demos, run_dir, device.type)


def coached_run(source: Path, folder: Path | None, total_steps: int, workspace: Workspace) -> Launch:
    """A new run from ``source``'s policy and D, on its demos plus the corrections kept in ``folder``
    (default: its demo folder), for ``total_steps``; StudioError or OSError says why not."""
    run = RunDir(source)
    config = run.config().replace(total_steps=total_steps)
    demos = run.demos_with_corrections(config.env, folder or run.demos_folder()).require_episodes()
    device = device_for(config).device
    run_dir = workspace.new_run_dir(f"{config.env}-{config.algo}-{config.generator}-coached")
    return Launch(config, demos, run_dir, device.type, start_from=source)


def resumed_run(run_dir: Path, wanted_totals: Callable[[], tuple[int, int]]) -> Launch:
    """``run_dir`` continued from its checkpoint; NothingToResume when it reached even the totals
    ``wanted_totals`` gives (env steps, BC epochs), StudioError, OSError or ValueError otherwise.

    A stopped run continues to its own total; a finished one is extended to the totals wanted (the
    form's default must not stretch a short run).
    """
    run = RunDir(run_dir)
    try:
        config, state = run.resume_config()
    except NothingToResume:
        steps, epochs = wanted_totals()
        config, state = run.resume_config(wanted_steps=steps, wanted_epochs=epochs)
    demos = run.training_demos(config.env).require_episodes()
    device = device_for(config).device
    return Launch(config, demos, run_dir, device.type, resume_state=state)


def trained_on(run_dir: Path) -> Launch:
    """A run the stopping rule ended ("done"), continued to its own total with the rule off: the
    Train view's Keep training."""
    launch = resumed_run(run_dir, lambda: (0, 0))  # it stopped before its total: nothing to extend
    return replace(launch, config=launch.config.replace(stop_when_done=False))
