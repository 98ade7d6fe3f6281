"""Environment files."""
