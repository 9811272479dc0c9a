from __future__ import annotations

import pytest

pytestmark = pytest.mark.anyio


class TestReinvite:
    async def test_inviting_again_replaces_the_earlier_link_and_takes_one_seat(self, orgs) -> None:
        org = await orgs.create(tier="starter", roles=("owner",))  # 3 seats: the owner plus two
        first = await org.owner.client.post(
            "/api/organizations/current/invitations", json={"email": "ana@example.com", "role": "member"}
        )
        second = await org.owner.client.post(
            "/api/organizations/current/invitations", json={"email": "ana@example.com", "role": "admin"}
        )
        assert first.status_code == second.status_code == 201
        pending = (await org.owner.client.get("/api/organizations/current/invitations")).json()["items"]
        assert [(i["email"], i["role"]) for i in pending] == [("ana@example.com", "admin")]
        third = await org.owner.client.post(
            "/api/organizations/current/invitations", json={"email": "ben@example.com", "role": "member"}
        )
        assert third.status_code == 201  # the replaced link did not keep a seat

    async def test_limit_message_is_singular_for_one(self, orgs) -> None:
        org = await orgs.create(tier="free", roles=("owner",))
        response = await org.owner.client.post(
            "/api/organizations/current/invitations", json={"email": "ana@example.com", "role": "member"}
        )
        assert response.status_code == 402
        assert response.json()["detail"] == "Your Free plan allows 1 member"
