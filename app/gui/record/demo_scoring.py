"""The D scores the Record list shows: from the newest GAIL run that trained on the shown folder.

Scores are recomputed only when that run has a newer checkpoint or the folder's episodes change,
so that reloading the list (after every keep, tick or delete) stays quick.
"""

from __future__ import annotations

from pathlib import Path

from core.data.demo_set import DemoSet
from core.data.episode import Episode
from core.data.workspace import Workspace
from core.errors import StudioError
from core.train.demo_scores import DemoScore, latest_run_on, score_with_run
from core.train.runs.layout import run_folders


class DemoScoreSource:
    """Per-demo D scores for the folder last given to ``update``."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.run_name = ""
        self.iteration_note = ""
        self._scores: dict[str, DemoScore] = {}
        self._key: tuple = ()

    def update(self, demos: DemoSet) -> None:
        run = latest_run_on(run_folders(self.workspace.runs_dir), demos.folder) if demos.episodes else None
        checkpoint = run.latest_checkpoint() if run is not None else None
        if run is None or checkpoint is None:
            self._scores, self._key, self.run_name = {}, (), ""
            return
        names = tuple(sorted(e.path.name for e in demos.episodes if e.path is not None))
        key = (run.path, checkpoint.stat().st_mtime_ns, names)
        if key == self._key:
            return
        try:
            scores = score_with_run(run, demos) or []
            steps = int(run.checkpoint().state.get("env_steps", 0))
        except (StudioError, OSError):
            scores, steps = [], 0  # a run being written or broken: no scores rather than an error
        self._scores = {score.name: score for score in scores}
        self._key = key
        self.run_name = Path(run.path).name
        self.iteration_note = f" after {steps:,} steps" if steps else ""

    def score_of(self, episode: Episode) -> DemoScore | None:
        return self._scores.get(episode.path.name) if episode.path is not None else None

    def summary(self) -> str:
        """A line for the list's summary: where the scores come from, and how many are flagged."""
        if not self._scores:
            return ""
        flagged = sum(score.flagged for score in self._scores.values())
        # The run's name is in the D column's tooltips: here it took a line of the narrow column.
        text = f"<br>D: how expert-like the newest run{self.iteration_note} finds each demo (1 = very)."
        if flagged:
            text += f" <b>⚑ {flagged}</b> unlike the rest: double-click to replay with D."
        return text
