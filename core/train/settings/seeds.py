"""The reset seeds each purpose draws from, apart, so that no evaluation replays a training episode."""

# Evaluations (periodic, final and `imitation-studio evaluate`) start here.
EVAL_SEED_BASE = 1_000_000
# Watch-view episodes use their own seeds, away from the demos' and the evaluations'.
WATCH_SEED_BASE = EVAL_SEED_BASE + 500_000
# The benchmark's learning-curve evaluations (its final ones use EVAL_SEED_BASE, as `evaluate`).
BENCH_CURVE_SEED_BASE = 2_000_000
