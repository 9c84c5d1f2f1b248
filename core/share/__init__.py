"""Formats other tools read: ONNX policies, Minari datasets, videos of policies and demos.

Each module imports its library (onnx, minari, imageio) inside its functions: they are the
``share`` extra, and the rest of the engine works without them.
"""

from pathlib import Path

from core.errors import StudioError

# Video files by suffix; here, not in video.py (which imports torch), so that the command line
# refuses another suffix before a slow import.
VIDEO_FORMATS = (".mp4", ".gif")


def check_video_target(target: Path) -> None:
    """Before any rendering: a file name that says which format."""
    if Path(target).suffix.lower() not in VIDEO_FORMATS:
        raise StudioError(f"{target}: choose a .mp4 or .gif file")
