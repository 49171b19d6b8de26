"""One module per system the timeline builder reads: each gives events over a time window."""
