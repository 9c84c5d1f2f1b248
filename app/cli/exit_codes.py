"""The command line's exit statuses, one meaning each (docs/troubleshooting.md)."""

OK = 0
BAD_FILES = 1  # `demos validate` found files that cannot be used
BAD_INPUT = 2  # an argument, a file or a setting is wrong: the one-line error says which
RUN_FAILED = 3  # training failed (diverged, disk full); the last good checkpoint is kept
INTERRUPTED = 130  # Ctrl-C or SIGTERM, after saving what there was to save
