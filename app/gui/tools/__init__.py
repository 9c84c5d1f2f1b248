"""Tools that drive the window from outside, through its public methods: screenshots and probes."""
