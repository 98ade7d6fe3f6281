"""Fixed-size buffers for the log tailer."""
