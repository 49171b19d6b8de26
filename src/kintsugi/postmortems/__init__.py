"""Post-mortem and pre-mortem documents: model, Markdown import/export, templates, service."""
