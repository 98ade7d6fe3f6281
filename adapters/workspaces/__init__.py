"""Workspaces: git worktrees at the base commit, diffs, and the `[setup]` step."""
