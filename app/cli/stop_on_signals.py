"""Ctrl-C and SIGTERM during training: stop at the next step and save, rather than lose the run.

The first SIGINT or SIGTERM asks the trainer to stop (it saves a checkpoint, as the window's Stop
does); a second SIGINT quits at once, for a person who really means it.
"""

from __future__ import annotations

import signal
import sys
from types import FrameType

from tqdm import tqdm

from core.train.events import TrainControl

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopOnSignals:
    """While entered, SIGINT and SIGTERM stop ``control`` once; ``received`` names the first."""

    def __init__(self, control: TrainControl) -> None:
        self.control = control
        self.received: str | None = None
        self._previous: dict[int, object] = {}

    def __enter__(self) -> StopOnSignals:
        for number in SIGNALS:
            self._previous[number] = signal.signal(number, self._handle)
        return self

    def __exit__(self, *exc_info: object) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)  # type: ignore[arg-type]

    def _handle(self, number: int, frame: FrameType | None) -> None:
        if self.received is not None:
            if number == signal.SIGINT:
                raise KeyboardInterrupt  # the second Ctrl-C: quit now
            return
        self.received = signal.Signals(number).name
        self.control.stop()
        # Through tqdm: it lifts the progress bar, prints the line and redraws the bar under it (a plain
        # print left the bar's line printed twice).
        tqdm.write(f"{self.received}: stopping and saving a checkpoint (Ctrl-C again quits at once)", file=sys.stderr)
