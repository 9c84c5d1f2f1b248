"""Guards against the PySide6 6.12.0 regression: each Python-side Signal.emit() dropped one
reference to True, and the process aborted with `Fatal Python error: bool_dealloc` after ~570 emits."""

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    ticked = Signal(int)


def test_ten_thousand_emits_leave_the_refcount_of_true_unchanged(qapp):
    emitter = _Emitter()
    received = []
    emitter.ticked.connect(received.append)
    before = sys.getrefcount(True)
    for index in range(10_000):
        emitter.ticked.emit(index)
    after = sys.getrefcount(True)
    assert len(received) == 10_000
    # A few references may come and go with unrelated objects; the bug loses one per emit.
    assert abs(after - before) < 100
