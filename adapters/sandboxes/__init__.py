"""Sandboxes: a workspace's services, running (`local`: processes on this machine)."""
