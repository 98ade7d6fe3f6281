"""Build-step ordering."""
