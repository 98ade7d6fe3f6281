"""The household shopping app."""
