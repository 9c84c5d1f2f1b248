"""A run's settings: the TrainConfig, each update rule's settings read from it, the device, the seeds."""
