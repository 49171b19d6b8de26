"""Schemathesis against the API's own OpenAPI schema: no server errors, no responses that
break the schema, no undocumented status codes. Runs on a database seeded with the demo so
that reads find documents."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import positive_data_acceptance

from kintsugi.core.config import Settings
from kintsugi.demo.loader import load_demo
from kintsugi.people import service as people
from kintsugi.people.principal import SYSTEM, Role
from kintsugi.web.app import create_app


def _operations(app: Any) -> dict[str, Any]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    return {op.ok().label: op.ok() for op in schema.get_all_operations()}


LABELS = sorted(_operations(create_app(Settings(database_url="sqlite://"))))


@pytest.mark.parametrize("label", LABELS)
def test_api_operation_conforms_to_its_schema(label: str, sqlite_url: str) -> None:
    app = create_app(Settings(database_url=sqlite_url))
    load_demo(app.state.writing_sessions)
    with app.state.writing_sessions.begin() as session:
        people.create_user(session, SYSTEM, "fuzzer", role=Role.ADMIN)
        token = people.create_token(session, SYSTEM, "fuzzer", "fuzz", "write").secret
    operation = _operations(app)[label]

    @given(case=operation.as_strategy(), data=st.data())
    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def check(case: Any, data: Any) -> None:
        case.call_and_validate(
            headers={"Authorization": f"Bearer {token}"},
            # a valid shape may still name a person or team that does not exist: a 422 that no
            # schema can express, so acceptance of every schema-valid body is not demanded
            excluded_checks=[positive_data_acceptance],
        )

    try:
        check()
    finally:
        app.state.engine.dispose()
