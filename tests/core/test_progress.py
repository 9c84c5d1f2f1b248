import json

from core.train.progress import Progress


def test_an_iteration_adds_its_steps_and_seconds():
    progress = Progress()
    progress.count(128, 0.5)
    progress.count(128, 0.25)
    assert (progress.iteration, progress.env_steps, progress.wall_time_s) == (2, 256, 0.75)
    assert progress.step == 256


def test_bc_epochs_take_no_env_steps_so_the_timeline_counts_epochs():
    progress = Progress()
    for _ in range(3):
        progress.count(0, 0.1)
    assert progress.env_steps == 0
    assert progress.step == 3


def test_the_counters_come_back_from_a_checkpoint_record():
    progress = Progress(iteration=4, env_steps=512, wall_time_s=1.5)
    restored = Progress()
    restored.restore(json.loads(json.dumps(progress.state())))
    assert restored == progress
