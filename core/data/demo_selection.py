"""Which episodes of a demo folder train: the person's choice, kept beside the files.

A person curating their own play unticks episodes they do not want imitated, or asks for only
the successful endings, or a minimum return. The choice is stored in the folder
(``selection.json``) so that the Record view, the Train view and ``imitation-studio train
--demos DIR`` all train on the same episodes; it never deletes or changes an episode file. A run
records the files it used with their hashes (``RunDir.write_demo_summary``), so it can say later
exactly what it learned from and resume on the same data (``only_files``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from core.data.demo_set import DemoSet, InvalidDemo
from core.data.episode import Episode
from core.errors import DemoError
from core.fileio import atomic_write_text
from core.records import FieldReader, read_json_object

SELECTION_FILE = "selection.json"


@dataclass(frozen=True)
class DemoSelection:
    """The rules that pick a folder's training episodes; the default keeps every episode."""

    excluded: frozenset[str] = field(default_factory=frozenset)  # file names unticked by hand
    successful_only: bool = False  # leave out episodes whose ending failed (a crash, a fall, ...)
    min_return: float | None = None  # leave out episodes below this return

    @property
    def is_default(self) -> bool:
        return not self.excluded and not self.successful_only and self.min_return is None

    def reason_to_leave_out(self, episode: Episode) -> str | None:
        """Why ``episode`` does not train, or None when it does."""
        name = episode.path.name if episode.path else ""
        if name in self.excluded:
            return "unticked"
        # A correction's ending and return are mostly the policy's: only a tick leaves it out.
        if episode.is_correction:
            return None
        if self.successful_only and episode.ending.failed:
            return f"ending: {episode.ending.text}"
        if self.min_return is not None and episode.episode_return < self.min_return:
            return f"return {episode.episode_return:.1f} below the minimum {self.min_return:g}"
        return None

    def with_ticked(self, name: str, ticked: bool) -> DemoSelection:
        excluded = self.excluded - {name} if ticked else self.excluded | {name}
        return replace(self, excluded=frozenset(excluded))

    def apply(self, demos: DemoSet) -> DemoSet:
        """The episodes that train; the others in ``left_out``, with their reasons."""
        kept, left_out = [], []
        for episode in demos.episodes:
            reason = self.reason_to_leave_out(episode)
            if reason is None:
                kept.append(episode)
            else:
                left_out.append(InvalidDemo(episode.path or demos.folder, reason))
        return replace(demos, episodes=tuple(kept), left_out=tuple(left_out))

    def to_json(self) -> str:
        record = {
            "excluded": sorted(self.excluded),
            "successful_only": self.successful_only,
            "min_return": self.min_return,
        }
        return json.dumps(record, indent=2)


# A selection names file names; one of 16 MB would leave out hundreds of thousands of files.
SELECTION_MAX_BYTES = 16 * 2**20


def load_selection(folder: Path) -> DemoSelection:
    """The folder's selection; the default when it has none. DemoError names a bad file."""
    path = Path(folder) / SELECTION_FILE
    if not path.is_file():
        return DemoSelection()
    fields = FieldReader(read_json_object(path, DemoError, SELECTION_MAX_BYTES), str(path), DemoError)
    excluded = fields.texts("excluded") if fields.has("excluded") else []
    successful_only = fields.boolean("successful_only") if fields.has("successful_only") else False
    min_return = fields.number("min_return") if fields.has("min_return") else None
    return DemoSelection(frozenset(excluded), successful_only, None if min_return is None else float(min_return))


def save_selection(folder: Path, selection: DemoSelection) -> None:
    """Store the selection in the folder (removed when it is the default: every episode trains)."""
    path = Path(folder) / SELECTION_FILE
    if selection.is_default:
        path.unlink(missing_ok=True)
    else:
        atomic_write_text(path, selection.to_json())


def training_demos(demos: DemoSet) -> DemoSet:
    """``demos`` as its folder's selection says (see ``left_out``); DemoError when nothing is left."""
    chosen = load_selection(demos.folder).apply(demos)
    if demos.episodes and not chosen.episodes:
        first = chosen.left_out[0]
        raise DemoError(
            f"{demos.folder}: all {len(demos.episodes)} episodes are left out by {SELECTION_FILE} "
            f"({first.path.name}: {first.reason}, ...); tick some in the Record view or delete that file"
        )
    return chosen


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def unchanged(path: Path, digest: str | None) -> bool:
    """Does ``path`` still hold what a run recorded as ``digest`` (no digest: nothing to check)?"""
    return not digest or file_sha256(path) == digest


def only_files(demos: DemoSet, files: Sequence[tuple[str, str]]) -> DemoSet:
    """Exactly the episodes a run recorded, as (name, sha256) pairs: a resumed run trains on the
    data it started with. DemoError names a file that is gone or has changed since."""
    by_name = {episode.path.name: episode for episode in demos.episodes if episode.path is not None}
    chosen = []
    for name, digest in files:
        episode = by_name.get(name)
        if episode is None:
            raise DemoError(f"{demos.folder / name}: the run trained on this episode, which is gone or unusable")
        if episode.path is not None and not unchanged(episode.path, digest):
            raise DemoError(f"{episode.path}: changed since the run trained on it (its hash differs)")
        chosen.append(episode)
    return replace(demos, episodes=tuple(chosen))
