"""The demo: realistic incidents and post-mortems so a new user sees every feature."""
