"""Collect the next batch in a second process while the trainer updates on the current one.

Why: on a 2-core machine an on-policy GAIL iteration is two long serial halves, stepping the
envs (one core) and updating D and the policy (one core), so one core idles at any time. Here
the rollout process steps the envs with the policy it was last sent while the trainer updates,
which makes each batch one update older than the policy it trains (the trainer corrects for that
with importance weights; see ``core.train.stale_batch``). The process imports no torch: the policy
crosses as numpy arrays (``NumpyPolicy``), batches come back as ``RolloutBatch`` arrays over a
``multiprocessing`` pipe between these two processes only (no file is ever unpickled).
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import signal
import traceback
from collections.abc import Callable, Mapping

import numpy as np

from core.errors import TrainingError
from core.train.env_runner import EnvRunner, RolloutBatch, RunnerSpec

POLL_S = 0.02  # how often a waiting trainer looks at its stop flag


def _describe(error: Exception) -> str:
    """One line naming the error, then the child's traceback (the trainer's own ends at ``receive``)."""
    return f"{type(error).__name__}: {error}\n\nIn the rollout process:\n{traceback.format_exc()}"


def _worker_main(connection, spec: RunnerSpec) -> None:  # runs in the rollout process
    # Ctrl-C in a terminal reaches the whole process group: the trainer decides what it means
    # (stop and save), so this process must not die of it first.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        runner = EnvRunner(spec)
        if runner.env_spec.pixels is not None:
            import torch  # a pixel env's policy is a CNN in torch (core.rl.torch_policy)

            torch.set_num_threads(1)  # the trainer has the other core
    except Exception as error:  # noqa: BLE001 - reported to the trainer, which raises it
        connection.send(("error", _describe(error)))
        return
    try:
        while True:
            message = connection.recv()
            if message[0] == "close":
                break
            batch = runner.collect(runner.policy_from_state(message[1]))
            connection.send(("batch", batch))
    except (EOFError, OSError, KeyboardInterrupt):
        pass  # the trainer went away
    except Exception as error:  # noqa: BLE001
        with contextlib.suppress(BrokenPipeError, OSError):
            connection.send(("error", _describe(error)))
    finally:
        runner.close()
        connection.close()


class RolloutProcess:
    """An ``EnvRunner`` in a spawned child: ``request(policy state)`` starts a batch, ``receive`` waits for it."""

    def __init__(self, spec: RunnerSpec) -> None:
        context = mp.get_context("spawn")
        self._connection, child_end = context.Pipe(duplex=True)
        self._process = context.Process(
            target=_worker_main, args=(child_end, spec), name="imitation-studio-rollout", daemon=True
        )
        self._process.start()
        child_end.close()
        self.pending = False
        self._close_sent = False

    def request(self, policy_state: Mapping[str, np.ndarray]) -> None:
        """Start collecting one batch with this policy (an ``ActorCritic`` state dict as numpy)."""
        assert not self.pending, "receive the pending batch first"
        self._connection.send(("collect", dict(policy_state)))
        self.pending = True

    def receive(self, should_stop: Callable[[], bool]) -> RolloutBatch | None:
        """The requested batch; None if ``should_stop()`` turned true while waiting."""
        while not self._connection.poll(POLL_S):
            if should_stop():
                return None
            if not self._process.is_alive():
                raise TrainingError(f"the rollout process ended unexpectedly (exit code {self._process.exitcode})")
        try:
            kind, payload = self._connection.recv()
        except (EOFError, OSError) as error:
            raise TrainingError(f"the rollout process closed its pipe unexpectedly ({error!r})") from None
        self.pending = False
        if kind == "error":
            raise TrainingError(f"the rollout process failed: {payload}")
        return payload

    def ask_to_close(self) -> None:
        """Tell an idle child that no batch will follow, so that it exits (its envs' and
        interpreter's teardown take half a second) while the trainer finishes; ``close`` waits."""
        if self.pending or self._close_sent:
            return
        with contextlib.suppress(BrokenPipeError, OSError):
            self._connection.send(("close",))
        self._close_sent = True

    def close(self) -> None:
        """Ask the child to finish (it may be mid-batch: then it is terminated after a short wait)."""
        self.ask_to_close()
        self._process.join(timeout=0.5 if self.pending else 2.0)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(timeout=2.0)
        self._connection.close()
