"""Test runners: the `[test] command`, with per-test outcomes from JUnit XML."""
