"""Property-based contract test: generated requests against every API operation.

No 5xx, every status the API returns is declared in the OpenAPI document, and bodies match
their declared schemas (problem+json included). Schema-valid input may still be refused by
business rules the schema cannot express (common passwords, tier limits), so that one check is off.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance
from starlette.testclient import TestClient

from mandate.app import create_app
from mandate.config import Settings

from tests.helpers.fixtures import PASSWORD


@pytest.fixture
def contract_app(settings: Settings) -> Iterator[tuple[Any, str]]:
    application = create_app(settings)
    with TestClient(application) as client:
        signup = client.post(
            "/api/auth/signup",
            json={"email": "contract@example.com", "password": PASSWORD, "full_name": "Contract Tester",
                  "organization_name": "Contract Co"},
        )
        assert signup.status_code == 201, signup.text
        token = client.post("/api/auth/token", json={"email": "contract@example.com", "password": PASSWORD})
        assert token.status_code == 200, token.text
        yield application, token.json()["access_token"]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_api_contract(contract_app: tuple[Any, str]) -> None:
    application, token = contract_app
    api_schema = schemathesis.openapi.from_asgi("/api/openapi.json", application)
    headers = {"Authorization": f"Bearer {token}"}
    failures: list[str] = []
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case: Any) -> None:
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        try:
            check()
        except Exception as exc:  # collect every operation's failure, then report them together
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)
