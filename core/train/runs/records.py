"""The typed records of a run folder: what ``final_eval.json``, ``demos.json`` and ``origin.json`` hold.

Each is a frozen dataclass with ``to_dict`` (what is written) and ``from_dict`` (what is read
back, field by field through ``core.records.FieldReader``), so a reader gets attributes a type
checker knows, and a file of the wrong shape is one CheckpointError naming the file and the field.
Fields that older runs did not write have defaults.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from core.errors import CheckpointError
from core.records import FieldReader


@dataclass(frozen=True, kw_only=True)
class FinalEval:
    """The evaluation written when a run finishes: the deterministic policy, and the same policy
    sampling its actions (imitated human play is sometimes better sampled)."""

    return_mean: float
    return_std: float
    length_mean: float
    episodes: int
    sampled_return_mean: float | None = None  # None: a run from before sampled evaluations
    sampled_return_std: float | None = None
    # When the run settled on an earlier policy that played clearly better than its last one
    # (core.train.best_policy): where that policy is from (env steps; BC: epochs), and what the
    # last one scored as it would have been shown. None: the policy is the run's last.
    earlier_policy_at: int | None = None
    last_shown_return: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value is not None}

    @classmethod
    def from_dict(cls, record: dict[str, Any], source: str) -> FinalEval:
        fields = FieldReader(record, source, CheckpointError)
        sampled = fields.has("sampled_return_mean")
        return cls(
            return_mean=fields.number("return_mean"),
            return_std=fields.number("return_std"),
            length_mean=fields.number("length_mean"),
            episodes=fields.integer("episodes", minimum=1),
            sampled_return_mean=fields.number("sampled_return_mean") if sampled else None,
            sampled_return_std=fields.number("sampled_return_std") if fields.has("sampled_return_std") else None,
            earlier_policy_at=fields.integer("earlier_policy_at", minimum=0)
            if fields.has("earlier_policy_at")
            else None,
            last_shown_return=fields.number("last_shown_return") if fields.has("last_shown_return") else None,
        )


@dataclass(frozen=True, kw_only=True)
class Origin:
    """Where a run started when it started from another run's networks (coach mode's corrections)."""

    run: str  # the other run's folder, resolved
    iteration: int
    env_steps: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, record: dict[str, Any], source: str) -> Origin:
        fields = FieldReader(record, source, CheckpointError)
        return cls(run=fields.text("run"), iteration=fields.integer("iteration"), env_steps=fields.integer("env_steps"))


@dataclass(frozen=True, kw_only=True)
class DemoFile:
    """One episode a run trained on: found again by name and content hash."""

    name: str
    sha256: str
    episode_return: float
    length: int
    ending: str
    source: str

    def to_dict(self) -> dict[str, Any]:
        record = asdict(self)
        record["return"] = record.pop("episode_return")
        return record

    @classmethod
    def from_fields(cls, fields: FieldReader) -> DemoFile:
        return cls(
            name=fields.text("name"),
            sha256=fields.text("sha256"),
            episode_return=fields.number("return"),
            length=fields.integer("length"),
            ending=fields.text("ending") if fields.has("ending") else "",
            source=fields.text("source") if fields.has("source") else "",
        )


@dataclass(frozen=True, kw_only=True)
class SetAside:
    """A file of the demo folder that did not train, and why (left out by the person, or unusable)."""

    name: str
    reason: str

    @classmethod
    def from_fields(cls, fields: FieldReader) -> SetAside:
        return cls(name=fields.text("name"), reason=fields.text("reason"))


@dataclass(frozen=True, kw_only=True)
class DemoSummary:
    """What a run records of its demos: enough to normalise returns and to find them again."""

    folder: str
    env_key: str
    episodes: int
    return_mean: float
    length_mean: float
    reset_seeds: tuple[int | None, ...] = ()
    corrections: int = 0
    correction_steps: int = 0
    files: tuple[DemoFile, ...] | None = None  # None: an older run that did not record its files
    left_out: tuple[SetAside, ...] = ()
    unusable: tuple[SetAside, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "folder": self.folder,
            "env_key": self.env_key,
            "episodes": self.episodes,
            "return_mean": self.return_mean,
            "length_mean": self.length_mean,
            "reset_seeds": list(self.reset_seeds),
            "corrections": self.corrections,
            "correction_steps": self.correction_steps,
            "files": None if self.files is None else [item.to_dict() for item in self.files],
            "left_out": [asdict(item) for item in self.left_out],
            "unusable": [asdict(item) for item in self.unusable],
        }

    @classmethod
    def from_dict(cls, record: dict[str, Any], source: str) -> DemoSummary:
        fields = FieldReader(record, source, CheckpointError)

        def aside(key: str) -> tuple[SetAside, ...]:
            return tuple(SetAside.from_fields(item) for item in fields.objects(key)) if fields.has(key) else ()

        files = fields.objects("files") if fields.has("files") else None
        return cls(
            folder=fields.text("folder"),
            env_key=fields.text("env_key") if fields.has("env_key") else "",
            episodes=fields.integer("episodes"),
            return_mean=fields.number("return_mean"),
            length_mean=fields.number("length_mean"),
            reset_seeds=tuple(fields.optional_integers("reset_seeds")) if fields.has("reset_seeds") else (),
            corrections=fields.integer("corrections") if fields.has("corrections") else 0,
            correction_steps=fields.integer("correction_steps") if fields.has("correction_steps") else 0,
            files=None if not files else tuple(DemoFile.from_fields(item) for item in files),
            left_out=aside("left_out"),
            unusable=aside("unusable"),
        )
