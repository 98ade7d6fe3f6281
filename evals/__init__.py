"""The eval harness: fix rates across models and task suites (not built yet; see the issues)."""
