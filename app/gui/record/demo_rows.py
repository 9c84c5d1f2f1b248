"""One row of the demo list: an episode's cells (tick, figures, ending, D, source) or an unusable file's."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QTableWidgetItem

from core.data.demo_set import InvalidDemo
from core.data.episode import Episode
from core.train.demo_scores import DemoScore

COLUMNS = ("Train", "Return", "Length", "Ending", "D", "Recorded", "Source", "File")
FLAG_COLOUR = QColor(183, 110, 0)
LEFT_OUT_COLOUR = QColor(130, 130, 130)
FAILED_COLOUR = QColor(179, 38, 30)
RIGHT_ALIGNED = ("Return", "Length", "D")


def column(name: str) -> int:
    return COLUMNS.index(name)


def episode_items(
    episode: Episode, score: DemoScore | None, run_name: str, left_out: str | None, sample: bool
) -> dict[str, QTableWidgetItem]:
    """The cells of ``episode``'s row by column: the tick (none for a read-only sample), its
    figures, and D's score from run ``run_name``; greyed when ``left_out`` says why it does not train."""
    meta = episode.meta
    values = {
        "Return": f"{episode.episode_return:.1f}",
        "Length": str(episode.length),
        "Ending": episode.ending.text,
        "D": "" if score is None else f"{'⚑ ' if score.flagged else ''}{score.score:.2f}",
        "Recorded": meta.recorded_at.replace("T", " ")[:16],
        "Source": "sample" if sample else episode.source_label,
        "File": episode.path.name if episode.path else "",
    }
    items = {"Train": _tick(left_out, sample)}
    for name, value in values.items():
        item = QTableWidgetItem(value)
        if name in RIGHT_ALIGNED:
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if meta.source_detail:
            item.setToolTip(meta.source_detail)
        if name == "Ending" and episode.ending.failed:
            item.setForeground(FAILED_COLOUR)
        if name == "D" and score is not None:
            item.setToolTip(
                "Unlike the other demos to the run's D: double-click to replay it with D along the episode"
                if score.flagged
                else f"mean D over the episode, from run {run_name}"
            )
            if score.flagged:
                item.setForeground(FLAG_COLOUR)
        if left_out and name != "Ending":
            item.setForeground(LEFT_OUT_COLOUR)
        items[name] = item
    return items


def _tick(left_out: str | None, sample: bool) -> QTableWidgetItem:
    """The Train column's tick: unticked by the person, or greyed when a filter leaves it out."""
    tick = QTableWidgetItem()
    if sample:
        tick.setFlags(tick.flags() & ~Qt.ItemFlag.ItemIsUserCheckable)
        return tick
    tick.setFlags(tick.flags() | Qt.ItemFlag.ItemIsUserCheckable)
    unticked = left_out == "unticked"
    tick.setCheckState(Qt.CheckState.Unchecked if unticked else Qt.CheckState.Checked)
    tick.setToolTip(f"left out of training: {left_out}" if left_out else "trains")
    if left_out and not unticked:  # a filter leaves it out: the tick is greyed with the row
        tick.setFlags(tick.flags() & ~Qt.ItemFlag.ItemIsEnabled)
    return tick


def unusable_items(bad: InvalidDemo) -> list[QTableWidgetItem]:
    """An unusable file's cells, in red, each telling why."""
    items = []
    for value in ("", "—", "—", "", "", "", "unusable", bad.path.name):
        item = QTableWidgetItem(value)
        item.setForeground(FAILED_COLOUR)
        item.setToolTip(bad.reason)
        items.append(item)
    return items
