"""Turning a user's intent (CLI, config, ticket) into a run, and its result into evidence and output."""
