"""Everything that talks to the outside world, behind the Protocols in `protocols.py`."""
