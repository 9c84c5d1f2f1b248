"""The ``imitation-studio`` command: one module per sub-command, heavy imports inside the commands."""
