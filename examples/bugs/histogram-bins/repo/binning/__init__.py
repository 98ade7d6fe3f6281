"""Quick-look statistics for the ops dashboard."""
