"""Blameless-language linter: rules as data, a Markdown-aware linter and rewrites.

Use ``kintsugi.language.linter`` (``Linter``, ``lint_text``, ``lint_document``,
``blocking_findings``); the CLI is ``kintsugi.language.cli`` and the web router
``kintsugi.language.api``.
"""
