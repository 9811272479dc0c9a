"""A document started from a template: its merge fields filled from the deal, the organization and the variables."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers.api import assert_problem, assert_validation, create_deal
from tests.helpers.fixtures import Actor, OrgFactory

pytestmark = pytest.mark.anyio
BASE = "/api/document-generation"
NDA_VARIABLES = {"counterparty": "Kestrel Holdings Ltd", "counterparty_address": "1 Quay Street, Bristol"}


async def template_id(actor: Actor, name: str) -> str:
    listed = (await actor.client.get(f"{BASE}/templates")).json()
    items = listed["items"] if isinstance(listed, dict) else listed
    return str(next(t["id"] for t in items if t["name"] == name))


async def create(actor: Actor, **body: Any) -> Any:
    return await actor.client.post(f"{BASE}/documents", json=body)


class TestFromTemplate:
    async def test_an_nda_for_a_deal_is_filled_in(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "member"), name="Harbour Advisory")
        deal = await create_deal(org.member.client, name="Project Kestrel", target_company="Kestrel Ltd")
        nda = await template_id(org.member, "Mutual non-disclosure agreement")
        response = await create(org.member, template_id=nda, deal_id=deal["id"], variables=NDA_VARIABLES)
        assert response.status_code == 201, response.text
        document = response.json()
        assert document["title"] == "Mutual non-disclosure agreement — Project Kestrel"
        assert document["template_id"] == nda and document["version"] == 1
        content = document["content"]
        assert content.startswith("# Mutual Non-Disclosure Agreement")
        assert "**Harbour Advisory**" in content and "**Kestrel Holdings Ltd**, of 1 Quay Street, Bristol" in content
        assert "concerning Kestrel Ltd" in content and "{{" not in content

    async def test_a_missing_variable_names_it_and_writes_nothing(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        deal = await create_deal(org.owner.client)
        nda = await template_id(org.owner, "Mutual non-disclosure agreement")
        response = await create(org.owner, template_id=nda, deal_id=deal["id"], variables={"counterparty": "X Ltd"})
        assert_validation(response, "variables.counterparty_address")
        assert (await org.owner.client.get(f"{BASE}/documents")).json()["items"] == []

    async def test_another_organization_s_template_is_refused(self, orgs: OrgFactory) -> None:
        mine, theirs = await orgs.create(roles=("owner",)), await orgs.create(roles=("owner",))
        nda = await template_id(theirs.owner, "Mutual non-disclosure agreement")
        copied = await theirs.owner.client.post(f"{BASE}/templates/{nda}/copy")
        assert copied.status_code in (200, 201), copied.text
        response = await create(mine.owner, template_id=copied.json()["id"], variables=NDA_VARIABLES)
        assert_validation(response, "template_id")

    async def test_viewers_cannot_create_from_a_template(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "viewer"))
        nda = await template_id(org.viewer, "Mutual non-disclosure agreement")
        assert_problem(await create(org.viewer, template_id=nda, variables=NDA_VARIABLES), 403, "permission_denied")
