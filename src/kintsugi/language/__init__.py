"""Blameless-language linter: rules as data, a Markdown-aware linter and rewrites.

Use ``kintsugi.language.linter`` (``Linter``, ``lint_text``, ``lint_document``,
``lint_named_texts`` for several named texts such as an RCA and its action items,
``blocking``, ``blocking_findings``); the CLI is ``kintsugi.language.cli`` and the web router
``kintsugi.language.api``.
"""
