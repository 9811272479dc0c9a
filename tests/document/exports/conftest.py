from __future__ import annotations

import io
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pypdf import PdfReader
from sqlalchemy import update

from mandate.config import Settings
from mandate.document.exports.models import DocumentExport
from tests.helpers.api import run_in_org
from tests.helpers.fixtures import OrgFactory

DOCS = "/api/document-generation/documents"
EXPORTS = "/api/document-generation/exports"
CONTENT = """# Heads of terms

Northwind Capital proposes to acquire **Atlas Ltd**.

## Consideration

| Item | Amount |
|---|---|
| Cash at completion | GBP 12,500,000 |
| Deferred consideration | GBP 2,000,000 |

## Conditions

- Board approval
- Satisfactory due diligence
  1. Financial
  2. Legal
"""


async def create_document(
    client: httpx.AsyncClient, content: str = CONTENT, title: str = "Atlas LOI"
) -> dict[str, Any]:
    r = await client.post(DOCS, json={"title": title, "content": content})
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


async def start_export(client: httpx.AsyncClient, document_id: str, fmt: str = "pdf", **options: Any) -> str:
    body: dict[str, Any] = {"format": fmt, **({"options": options} if options else {})}
    r = await client.post(f"{DOCS}/{document_id}/exports", json=body)
    assert r.status_code == 202, r.text
    job_id: str = r.json()["job_id"]
    return job_id


async def export_of(client: httpx.AsyncClient, job_id: str) -> dict[str, Any]:
    r = await client.get(f"{EXPORTS}/{job_id}")
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def fetch_file(client: httpx.AsyncClient, job_id: str) -> bytes:
    r = await client.get(f"{EXPORTS}/{job_id}/download")
    assert r.status_code == 303, r.text
    file = await client.get(r.headers["location"].removeprefix("http://testserver"))
    assert file.status_code == 200, file.text
    return file.content


def pdf_text(data: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


async def age_exports(app: Any, org_id: uuid.UUID, **values: Any) -> None:
    """Test setup: move exports' times (expiry, creation) as if days had passed."""
    await run_in_org(app, org_id, update(DocumentExport).values(**values))


@pytest.fixture
def queued_settings(settings: Settings) -> Settings:
    """A real queue with no consumer: exports stay queued."""
    return settings.model_copy(update={"jobs_backend": "sqlite", "jobs_in_process": False})


@pytest.fixture
async def queued_orgs(queued_settings: Settings) -> AsyncIterator[OrgFactory]:
    from mandate.app import create_app

    app = create_app(queued_settings)
    factory = OrgFactory(app)
    yield factory
    for c in factory.clients:
        await c.aclose()
    await app.state.runtime.close()
    await app.state.engine.dispose()
