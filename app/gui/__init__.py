"""The Qt application: the window, the Record / Train / Watch views and their widgets."""
