"""The Train view's progress bar: steps (or BC epochs) done of the total, the rate, the ETA, and
"paused" instead of an ETA while paused (paused time is left out of the rate)."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QProgressBar, QWidget

from core.train.settings.config import TrainConfig


class TrainingProgress(QProgressBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextVisible(True)
        self.setFormat("idle")
        self.epochs = False  # behaviour cloning counts epochs, not env steps
        self.latest = 0  # steps (or epochs) done
        self._start = 0
        self._started_at = 0.0
        self._paused_since: float | None = None
        self._paused_s = 0.0

    def begin(self, done: int, total: int, epochs: bool, text: str) -> None:
        """A run (re)starts at ``done`` of ``total``; ``text`` until its first progress."""
        self.epochs, self.latest, self._start = epochs, done, done
        self._started_at, self._paused_since, self._paused_s = time.monotonic(), None, 0.0
        self.setRange(0, total)
        self.setValue(done)
        self.setFormat(text)

    def pause(self) -> None:
        self._paused_since = time.monotonic()
        self.setFormat(self.format().split(" · ")[0] + " · paused")

    def resume(self) -> None:
        if self._paused_since is not None:
            self._paused_s += time.monotonic() - self._paused_since
        self._paused_since = None

    def advance(self, done: int, eval_return: float | None = None) -> None:
        """Progress reached ``done``; the latest evaluation's return, when there is one."""
        self.latest = done
        self.setValue(min(done, self.maximum()))
        unit = "epochs" if self.epochs else "steps"
        text = f"{done:,} / {self.maximum():,} {unit}"
        if self._paused_since is not None:  # batches still in flight when paused: no ETA
            text += " · paused"
        else:
            elapsed = max(time.monotonic() - self._started_at - self._paused_s, 1e-6)
            rate = (done - self._start) / elapsed
            eta = (self.maximum() - done) / rate if rate > 0 else None
            eta_text = "?" if eta is None else time.strftime("%H:%M:%S" if eta >= 3600 else "%M:%S", time.gmtime(eta))
            text += f" · {rate:,.0f} {unit}/s · ETA {eta_text}"
        if eval_return is not None:
            text += f" · eval {eval_return:.0f}"
        self.setFormat(text)

    def idle(self) -> None:
        self.setRange(0, 1)
        self.setValue(0)
        self.setFormat("idle")

    def show_opened(self, config: TrainConfig, records: list[dict], finished: bool) -> None:
        """An opened run, not training here: how far it went of its total, and whether it ended."""
        self.epochs = config.algo == "bc"
        total = config.progress_total
        last = records[-1] if records else {}
        self.latest = config.progress_of(int(last.get("iteration", 0)), int(last.get("env_steps", 0)))
        self.setRange(0, max(total, 1))
        self.setValue(min(self.latest, total))
        state = "finished" if finished else "stopped: Resume continues it"
        self.setFormat(f"{self.latest:,} / {total:,} {'epochs' if self.epochs else 'steps'} · {state}")

    def words(self) -> str:
        """How far the run is: env steps, or epochs for behaviour cloning (no env step taken)."""
        return f"{self.latest:,} {'epochs' if self.epochs else 'env steps'}"

    def stopped(self) -> None:
        self._paused_since = None
