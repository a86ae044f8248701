"""Deliberately empty: both targets run with the command line's settings only."""
