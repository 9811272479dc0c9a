"""Assertions and small builders shared by the JSON API tests."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from mandate.kit.tenancy import set_organization, unscoped

PROBLEM_KEYS = {"type", "title", "status", "detail", "code"}


def assert_problem(
    response: httpx.Response, status: int, code: str | None = None, *, field: str | None = None
) -> dict[str, Any]:
    """The response is RFC 9457 problem+json with this status (and code, and first field)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body: dict[str, Any] = response.json()
    assert body.keys() >= PROBLEM_KEYS, body
    assert body["status"] == status
    if code is not None:
        assert body["code"] == code, body
    if field is not None:
        assert body["code"] == "validation_error", body
        assert body["errors"], body
        assert body["errors"][0]["field"] == field, body["errors"]
        assert body["errors"][0]["message"]
    return body


def assert_validation(response: httpx.Response, field: str) -> dict[str, Any]:
    return assert_problem(response, 422, "validation_error", field=field)


async def create_deal(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    payload = {"name": "Atlas", "target_company": "Atlas Ltd", **fields}
    response = await client.post("/api/deals", json=payload)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def audit_actions(client: httpx.AsyncClient, **params: str) -> list[str]:
    response = await client.get("/api/audit", params={"limit": "200", **params})
    assert response.status_code == 200, response.text
    return [e["action"] for e in response.json()["items"]]


async def run_in_org(app: Any, org_id: uuid.UUID | None, statement: Any) -> None:
    """Test setup: change rows directly (e.g. move an expiry into the past)."""
    async with app.state.session_factory() as session:
        if org_id is None:
            with unscoped(session):
                await session.execute(statement)
        else:
            set_organization(session, org_id)
            await session.execute(statement)
        await session.commit()


def cookie_client_csrf(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """After a signup or login on this client, send the CSRF header as the browser would."""
    client.headers["X-CSRF-Token"] = client.cookies["mandate_csrf"]
    return client
