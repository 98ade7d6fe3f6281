"""A dependency-free command-line parser."""
