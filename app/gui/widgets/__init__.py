"""Pieces several views share (frames, plots, labels, dialogs, wording); none of them knows a view."""
