"""Interactive sessions that are not training: recording, coaching, a policy playing for the Watch view."""
