"""Incident timelines: events, merging, durations; sources/ has one module per system."""
