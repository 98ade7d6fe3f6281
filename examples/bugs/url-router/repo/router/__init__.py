"""A tiny path router for the internal admin API."""
