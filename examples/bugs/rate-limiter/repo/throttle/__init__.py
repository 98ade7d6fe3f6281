"""Request throttling."""
