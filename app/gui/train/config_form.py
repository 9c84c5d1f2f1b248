"""Editors for ``TrainConfig`` fields, built from the dataclass metadata (type, range, help).

Every setting the engine has can be edited; the form reads back a dict of values that
``core.train.settings.config`` validates (its errors name the field).
"""

from __future__ import annotations

from dataclasses import Field, fields
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QLineEdit, QSpinBox, QWidget

from core.errors import ConfigError
from core.train.settings.config import TrainConfig, field_kind

INT_LIMIT = 2_000_000_000


class _WheelGuard(QObject):
    """Scrolling the form must not change the number or choice under the pointer: a spin box or
    combo box takes the wheel only once it has the focus (clicked or tabbed to)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Wheel and isinstance(watched, QWidget) and not watched.hasFocus():
            event.ignore()
            return True  # the scroll area behind it scrolls instead
        return False


_WHEEL_GUARD = _WheelGuard()


class FieldEditor:
    """One editor widget for one config field."""

    def __init__(self, spec: Field) -> None:
        self.name = spec.name
        self.kind = field_kind(spec)
        choices = spec.metadata.get("choices")
        bounds = spec.metadata.get("range")
        if choices:
            self.widget: QWidget = QComboBox()
            for choice in choices:
                self.widget.addItem(choice, choice)
        elif self.kind is bool:
            self.widget = QCheckBox()
        elif self.kind is int:
            self.widget = QSpinBox()
            low, high = bounds or (None, None)
            self.widget.setRange(int(low if low is not None else -INT_LIMIT), int(min(high or INT_LIMIT, INT_LIMIT)))
            self.widget.setGroupSeparatorShown(True)
        else:
            # Floats span decades (1e-5 .. 1): plain text reads best and the config validates it.
            self.widget = QLineEdit()
        if isinstance(self.widget, QComboBox | QSpinBox):
            self.widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # not by the wheel alone
            self.widget.installEventFilter(_WHEEL_GUARD)
        self.widget.setToolTip(f"{spec.name}: {spec.metadata.get('help', '')}")
        self.widget.setObjectName(spec.name)

    def set(self, value: Any) -> None:
        widget = self.widget
        if isinstance(widget, QComboBox):
            widget.setCurrentIndex(max(0, widget.findData(value)))
        elif isinstance(widget, QCheckBox):
            widget.setChecked(bool(value))
        elif isinstance(widget, QSpinBox):
            widget.setValue(int(value))
        else:
            widget.setText(f"{value:g}" if isinstance(value, float) else str(value))

    def get(self) -> Any:
        widget = self.widget
        if isinstance(widget, QComboBox):
            return widget.currentData()
        if isinstance(widget, QCheckBox):
            return widget.isChecked()
        if isinstance(widget, QSpinBox):
            return widget.value()
        text = widget.text().strip()
        try:
            return float(text)
        except ValueError:
            raise ConfigError(f"{self.name}: {text!r} is not a number") from None


class ConfigForm(QWidget):
    """A form of editors for the named fields (in that order)."""

    def __init__(self, names: tuple[str, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        by_name = {spec.name: spec for spec in fields(TrainConfig)}
        self.editors = {name: FieldEditor(by_name[name]) for name in names}
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for name, editor in self.editors.items():
            layout.addRow(name.replace("_", " "), editor.widget)

    def load(self, config: TrainConfig) -> None:
        for name, editor in self.editors.items():
            editor.set(getattr(config, name))

    def values(self) -> dict[str, Any]:
        return {name: editor.get() for name, editor in self.editors.items()}


def advanced_field_names(shown: tuple[str, ...]) -> tuple[str, ...]:
    """Every config field not in ``shown`` (and not the env, which the demo set decides)."""
    return tuple(spec.name for spec in fields(TrainConfig) if spec.name not in shown and spec.name != "env")
