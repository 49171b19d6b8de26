"""The post-mortem library: full-text search, facets, similar incidents and a static export."""
