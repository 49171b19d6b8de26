"""Root cause analysis: 5 Whys, fishbone, change analysis, contributing factors, causal tree, barriers; diagrams."""
