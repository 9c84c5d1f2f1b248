"""Episodes on disk: one self-describing ``.npz`` file per episode, written atomically, read without pickle.

A file holds ``observations`` (T+1, *obs_shape), ``actions`` (T,) int64 or (T, act_dim) float32,
``rewards`` (T,) float64 and ``meta``, UTF-8 JSON bytes with everything else (env, reset seed,
source, key map, termination); a correction also ``person_acted`` (T,) bool and ``policy_actions``.
Nothing is pickled: loading never runs code from a file.

Writes are atomic (temporary hidden name, fsync, rename), so a crash loses at most the episode
being written, and a half-written file never carries the ``.npz`` name the loader looks for.
"""

from __future__ import annotations

import io
import secrets
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from core.data.episode import EPISODE_SUFFIX, Episode, EpisodeMeta
from core.errors import DemoError
from core.fileio import atomic_write_bytes


def write_episode(episode: Episode, folder: Path) -> Path:
    """Write ``episode`` atomically into ``folder`` (created if needed); returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    arrays = {
        "observations": episode.observations,
        "actions": episode.actions,
        "rewards": episode.rewards,
        "meta": np.frombuffer(episode.meta.to_json_bytes(), dtype=np.uint8),
    }
    if episode.person_acted is not None and episode.policy_actions is not None:
        arrays |= {"person_acted": episode.person_acted, "policy_actions": episode.policy_actions}
    np.savez_compressed(buffer, **arrays)  # type: ignore[arg-type]  # numpy's stub types allow_pickle only
    path = _new_episode_path(folder, episode.meta)
    atomic_write_bytes(path, buffer.getvalue())
    return path


def _new_episode_path(folder: Path, meta: EpisodeMeta) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    while True:
        path = folder / f"{stamp}-{meta.source}-seed{meta.reset_seed}-{secrets.token_hex(2)}{EPISODE_SUFFIX}"
        if not path.exists():
            return path


def load_episode(path: Path) -> Episode:
    """Read one episode file; DemoError names the file and what is wrong with it."""
    path = Path(path)
    try:
        arrays = _read_npz(path)
        missing = [name for name in ("observations", "actions", "rewards", "meta") if name not in arrays]
        if missing == ["observations", "actions", "rewards", "meta"]:
            raise DemoError("not an Imitation Studio episode (none of its arrays are present)")
        if missing:
            raise DemoError(f"missing array(s): {', '.join(missing)}")
        meta_array = arrays["meta"]
        if meta_array.dtype != np.uint8 or meta_array.ndim != 1:
            raise DemoError("not an Imitation Studio episode (metadata is not a JSON byte array)")
        meta = EpisodeMeta.from_json_bytes(meta_array.tobytes())
        return Episode(
            arrays["observations"],
            arrays["actions"],
            arrays["rewards"],
            meta,
            path,
            arrays.get("person_acted"),
            arrays.get("policy_actions"),
        )
    except DemoError as error:
        raise DemoError(f"{path}: {error}") from None


_ZIP_MAGIC = b"PK\x03\x04"  # every .npz is a zip archive


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    try:
        with open(path, "rb") as handle:
            magic = handle.read(len(_ZIP_MAGIC))
        if magic != _ZIP_MAGIC:
            what = "empty" if not magic else "not a zip archive"
            raise DemoError(f"not a readable episode archive, truncated or corrupt ({what})")
        _check_declared_sizes(path)
        with np.load(path, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except DemoError:
        raise
    except FileNotFoundError:
        raise DemoError("file not found") from None
    except ValueError as error:
        if "allow_pickle" in str(error):
            raise DemoError("holds pickled objects, which are never loaded (not an Imitation Studio episode)") from None
        raise DemoError(f"not a readable episode archive, truncated or corrupt ({error})") from None
    except Exception as error:  # noqa: BLE001 - zip, zlib and OS errors all mean an unreadable file
        raise DemoError(
            f"not a readable episode archive, truncated or corrupt ({type(error).__name__}: {error})"
        ) from None


# An episode file's arrays, uncompressed, may hold at most this much: 1,000 steps of CarRacing's
# 96x96 RGB frames take 28 MB, a LunarLander episode under 1 MB. Checked on the sizes the archive
# declares before anything is decompressed, so a small file cannot make the app allocate gigabytes.
MAX_EPISODE_BYTES = 256 * 2**20


def _check_declared_sizes(path: Path) -> None:
    """Refuse an archive that declares more than MAX_EPISODE_BYTES, or arrays larger than their data."""
    with zipfile.ZipFile(path) as archive:
        total = 0
        for info in archive.infolist():
            total += info.file_size
            if total > MAX_EPISODE_BYTES:
                raise DemoError(
                    f"declares {total / 2**20:,.0f} MB of arrays, over the {MAX_EPISODE_BYTES // 2**20} MB "
                    "limit for an episode file"
                )
            if not info.filename.endswith(".npy"):
                continue
            with archive.open(info) as member:
                version = np.lib.format.read_magic(member)
                read_header = (
                    np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
                )
                shape, _, dtype = read_header(member)
            if int(np.prod(shape, dtype=np.float64)) * dtype.itemsize > info.file_size:
                raise DemoError(f"array {info.filename} declares a shape {shape} larger than its data (corrupt)")


# ----------------------------------------------------------------------------- demo sets
