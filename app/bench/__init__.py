"""The benchmark: the harness that runs the cases and the report it writes."""
