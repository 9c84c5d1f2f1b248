"""``python -m app.cli``: the same as the ``imitation-studio`` command."""

from app.cli.main import console_main

console_main()
