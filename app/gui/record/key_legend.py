"""The Record view's legend: the env's hint, its game keys and what they do, and the view's own keys."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox, QLabel, QVBoxLayout, QWidget

from core.envs.gamepad import pad_legend
from core.envs.registry import EnvSpec

VIEW_KEYS = (
    ("Space", "start / pause"),
    ("R", "restart (drops the episode)"),
    ("Esc", "discard the episode / stop a replay"),
    ("Enter / Backspace", "keep / discard a finished episode"),
)


class KeyLegend(QGroupBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Keys", parent)
        self._hint = QLabel()
        self._hint.setWordWrap(True)
        self._legend = QLabel()
        self._legend.setTextFormat(Qt.TextFormat.RichText)
        self._legend.setWordWrap(True)  # CartPole's "no key" row is long: wrap, never widen
        self._spec: EnvSpec | None = None
        self._pad = ""  # the pad plugged in, "" for none
        layout = QVBoxLayout(self)
        layout.addWidget(self._hint)
        layout.addWidget(self._legend)

    def show_env(self, spec: EnvSpec) -> None:
        self._spec = spec
        self._hint.setText(spec.hint)
        pad = [(f"pad: {what}", does) for what, does in pad_legend(spec)] if self._pad else []
        rows = "".join(
            f"<tr><td><b>{keys}</b></td><td>&nbsp;&nbsp;{effect}</td></tr>"
            for keys, effect in (*spec.key_legend(), *pad, *VIEW_KEYS)
        )
        title = f"<p>Gamepad: {self._pad}</p>" if self._pad else ""
        self._legend.setText(f"{title}<table>{rows}</table>")

    def set_pad(self, name: str) -> None:
        """A pad was plugged in (its name) or pulled out (""): its mapping shows beside the keys."""
        self._pad = name
        if self._spec is not None:
            self.show_env(self._spec)
