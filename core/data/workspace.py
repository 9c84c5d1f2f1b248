"""A workspace: the folder that holds a user's demo sets and training runs.

Layout (created on open)::

    <root>/demos/<env key>/   one demo set per env: the episodes the user recorded or copied in
    <root>/runs/<run name>/   one run folder per training run (see ``core.train.trainer``)

The default workspace lives in the user's data directory, so that demos survive reinstalls.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import platformdirs

from core.data.demo_set import episode_files
from core.errors import StudioError
from core.paths import sample_demos_dir

APP_NAME = "imitation-studio"
# Deleted episodes wait here so that a delete can be undone; the name starts with a dot, so
# the demo store never lists it.
TRASH_DIR = ".trash"


def default_workspace_root() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "workspace"


class Workspace:
    """The folders of one workspace; every method creates what it returns."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).expanduser().resolve()
        if self.root.exists() and not self.root.is_dir():
            raise StudioError(f"{self.root}: is a file, not a folder; a workspace is a folder")
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            (self.root / "demos").mkdir(exist_ok=True)
            (self.root / "runs").mkdir(exist_ok=True)
        except OSError as error:
            raise StudioError(f"{self.root}: cannot use this folder as a workspace ({error.strerror})") from None

    @staticmethod
    def adoption_question(folder: Path) -> str | None:
        """What to ask before making ``folder`` a workspace: None when it is one already, or new
        or empty; a question when it holds other things (a demo folder picked by mistake would
        get demos/ and runs/ folders and open as an empty workspace)."""
        folder = Path(folder).expanduser()
        if not folder.is_dir() or (folder / "demos").is_dir() or (folder / "runs").is_dir():
            return None
        try:
            entries = list(folder.iterdir())
        except OSError:
            return None  # Workspace() says why it cannot be used
        if not entries:
            return None
        looks_like = " It looks like a folder of demos (episode files)." if episode_files(folder) else ""
        return (
            f"{folder} is not a workspace: it holds {len(entries)} other item(s) and no demos or runs folder."
            f"{looks_like} Make it a workspace anyway (its demos/ and runs/ folders are added beside them)?"
        )

    def demos_dir(self, env_key: str) -> Path:
        """The user's demo set for ``env_key`` (created, possibly empty)."""
        folder = self.root / "demos" / env_key
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    @property
    def runs_dir(self) -> Path:
        return self.root / "runs"

    def new_run_dir(self, label: str) -> Path:
        """A fresh, empty run folder named after the time and ``label``."""
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in label).strip("-") or "run"
        path = self.runs_dir / f"{stamp}-{safe}"
        suffix = 1
        while path.exists():
            suffix += 1
            path = self.runs_dir / f"{stamp}-{safe}-{suffix}"
        path.mkdir(parents=True)
        return path

    def copy_samples(self, env_key: str) -> list[Path]:
        """Copy the bundled sample episodes of ``env_key`` into the user's set; returns the new files.

        Files already present (same name) are left alone, so copying twice adds nothing.
        """
        source = sample_demos_dir(env_key)
        if not source.is_dir():
            raise StudioError(f"{env_key}: there are no bundled sample demos for this environment")
        target = self.demos_dir(env_key)
        copied = []
        for path in episode_files(source):
            destination = target / path.name
            if not destination.exists():
                shutil.copy2(path, destination)
                copied.append(destination)
        return copied


def move_to_trash(path: Path) -> Path:
    """Move an episode file into its folder's trash; returns where it went (for undo)."""
    trash = path.parent / TRASH_DIR
    trash.mkdir(exist_ok=True)
    destination = trash / path.name
    path.replace(destination)
    return destination


def restore_from_trash(trashed: Path) -> Path:
    """Undo ``move_to_trash``: put the file back where it was."""
    original = trashed.parent.parent / trashed.name
    if original.exists():
        raise StudioError(f"{original}: a file of that name exists again; not restoring over it")
    trashed.replace(original)
    return original
