"""The reset seeds each purpose draws from, apart, so that no evaluation replays a training episode."""

# Evaluations (periodic, final and `imitation-studio evaluate`) start here.
EVAL_SEED_BASE = 1_000_000
# Watch-view episodes use their own seeds, away from the demos' and the evaluations'.
WATCH_SEED_BASE = EVAL_SEED_BASE + 500_000
