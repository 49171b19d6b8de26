"""Whatever the environment holds, settings load or the CLI says clearly what is wrong."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from kintsugi.cli import app
from kintsugi.core.cli_support import context
from kintsugi.core.errors import ConfigurationError

TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40
)


@settings(max_examples=60, deadline=None)
@given(
    url=TEXT,
    secure=TEXT,
    attempts=TEXT,
)
def test_settings_from_any_environment(url: str, secure: str, attempts: str) -> None:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("KINTSUGI_COOKIE_SECURE", secure)
        env.setenv("KINTSUGI_SIGN_IN_ATTEMPTS_PER_15MIN", attempts)
        try:
            ctx = context(url or None, migrate=False)
        except ConfigurationError as exc:
            assert "settings:" in str(exc)
            return
        try:
            ctx.engine  # noqa: B018
        except ConfigurationError as exc:
            assert "database URL" in str(exc)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("KINTSUGI_COOKIE_SECURE", "perhaps", "cookie_secure"),
        ("KINTSUGI_SIGN_IN_ATTEMPTS_PER_15MIN", "lots", "sign_in_attempts_per_15min"),
        ("KINTSUGI_DATABASE_URL", "not a url", "not a valid URL"),
        ("KINTSUGI_DATABASE_URL", "mysql://x/y", "only sqlite"),
    ],
)
def test_bad_settings_exit_2_with_the_variable_named(
    variable: str, value: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(variable, value)
    result = CliRunner().invoke(app, ["list"])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
