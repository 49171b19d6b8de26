"""Exports of whole post-mortems: the document with what other slices add (its root cause
analysis), through the API and the command line."""
