"""The Coach view: a run's policy plays, the person takes over, corrections are kept and trained on."""
