"""How the Watch view's policy picks its actions: the most likely one, or sampled.

A policy imitating a person can play better sampled than deterministic (or the other way round),
so for a finished run the choice shows both final-evaluation returns, and the sampled mode is
chosen when it scores clearly higher (``core.train.runs.shown_policy``), saying so.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QWidget

from core.train.runs.records import FinalEval
from core.train.runs.shown_policy import shown_policy

DETERMINISTIC, SAMPLED = "Deterministic: most likely action", "Stochastic: sampled actions"


class PolicyModeBox(QComboBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.addItem(DETERMINISTIC, True)
        self.addItem(SAMPLED, False)
        self.note = ""  # why the mode was chosen for the run shown, if it was

    @property
    def deterministic(self) -> bool:
        return bool(self.currentData())

    def show_run(self, final_eval: FinalEval | None) -> None:
        """Label both modes with a finished run's returns and choose the better (else keep the choice)."""
        self.setItemText(0, DETERMINISTIC)
        self.setItemText(1, SAMPLED)
        self.note = ""
        if final_eval is None or final_eval.sampled_return_mean is None:
            return  # training now, stopped, or a run from before sampled evaluations
        det = (final_eval.return_mean, final_eval.return_std)
        sampled = (final_eval.sampled_return_mean, final_eval.sampled_return_std or 0.0)
        self.setItemText(0, f"{DETERMINISTIC} (return {det[0]:.1f})")
        self.setItemText(1, f"{SAMPLED} (return {sampled[0]:.1f})")
        if shown_policy(final_eval).sampled:
            self.setCurrentIndex(1)
            self.note = (
                f"This policy plays better with sampled actions (return {sampled[0]:.1f} against {det[0]:.1f} "
                "deterministic in its final evaluation), so they are shown."
            )
