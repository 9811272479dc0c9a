"""Property-based contract test: generated requests against every API operation.

No 5xx, every status the API returns is declared in the OpenAPI document, and bodies match
their declared schemas (problem+json included). Schema-valid input may still be refused by
business rules the schema cannot express (common passwords, tier limits), so that one check is off.
The app runs as a real server so the generated traffic crosses HTTP like a client's would.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from mandate.migrate import upgrade
from tests.helpers.fixtures import PASSWORD
from tests.helpers.live import free_port, uvicorn_server, wait_until_healthy


@pytest.fixture
def contract_server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'contract.db'}"
    upgrade(database_url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MANDATE_")}
    env.update(
        MANDATE_DATA_DIR=str(tmp_path),
        MANDATE_DATABASE_URL=database_url,
        MANDATE_BASE_URL=url,
        MANDATE_SECRET_KEY=secrets.token_urlsafe(32),
        MANDATE_LOG_LEVEL="WARNING",
    )
    log_path = tmp_path / "server.log"
    with uvicorn_server(env, port, log_path) as process:
        wait_until_healthy(url, process, log_path)
        signup = {
            "email": "contract@example.com",
            "password": PASSWORD,
            "full_name": "Contract Tester",
            "organization_name": "Contract Co",
        }
        assert httpx.post(f"{url}/api/auth/signup", json=signup).status_code == 201
        token = httpx.post(f"{url}/api/auth/token", json={"email": signup["email"], "password": PASSWORD})
        assert token.status_code == 200, token.text
        yield url, token.json()["access_token"]


def test_api_contract(contract_server: tuple[str, str]) -> None:
    url, token = contract_server
    api_schema = schemathesis.openapi.from_url(f"{url}/api/openapi.json")
    headers = {"Authorization": f"Bearer {token}"}
    failures: list[str] = []
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case: Any) -> None:
            case.call_and_validate(base_url=url, headers=headers, excluded_checks=[positive_data_acceptance])

        try:
            check()
        except Exception as exc:  # collect every operation's failure, then report them together
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)
