"""Schedule sessions over the JSON API: inside the event, no overlaps in a room, speakers, order."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.event.helpers import add_session, at, make_event
from tests.helpers.api import assert_problem, assert_validation, audit_actions
from tests.helpers.fixtures import OrgFactory

pytestmark = pytest.mark.anyio


class TestAddSession:
    async def test_member_adds_with_speakers_viewer_reads(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner", "member", "viewer"))
        event = await make_event(org.owner)
        speakers = [{"name": " Ada  Lovelace ", "title": "Partner", "bio": "Numbers."}]
        slot = await add_session(org.member, event["id"], speakers=speakers, capacity=40)
        assert slot["speakers"] == [{"name": "Ada Lovelace", "title": "Partner", "bio": "Numbers."}]
        assert slot["position"] == 0 and slot["capacity"] == 40
        second = await add_session(org.member, event["id"], title="Panel", starts_at=at(1), ends_at=at(2))
        assert second["position"] == 1
        r = await org.viewer.client.get(f"/api/events/{event['id']}/sessions")
        assert [s["id"] for s in r.json()["items"]] == [slot["id"], second["id"]]
        assert "event.session.added" in await audit_actions(org.owner.client, subject_id=event["id"])

    async def test_viewer_403_other_org_404(self, orgs: OrgFactory) -> None:
        org, other = await orgs.create(roles=("owner", "viewer")), await orgs.create(roles=("owner",))
        event = await make_event(org.owner)
        url = f"/api/events/{event['id']}/sessions"
        payload = {"title": "T", "starts_at": at(0), "ends_at": at(1)}
        assert_problem(await org.viewer.client.post(url, json=payload), 403)
        assert_problem(await other.owner.client.post(url, json=payload), 404)
        assert_problem(await other.owner.client.get(url), 404)

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"starts_at": at(-1), "ends_at": at(0.5)}, "starts_at"),
            ({"starts_at": at(7), "ends_at": at(9)}, "ends_at"),
            ({"starts_at": at(2), "ends_at": at(1)}, "ends_at"),
            ({"title": "  "}, "title"),
            ({"speakers": [{"name": ""}]}, "speakers.0.name"),
            ({"speakers": [{"name": "A", "bio": "x" * 1001}]}, "speakers.0.bio"),
            ({"speakers": [{"name": "A", "twitter": "@a"}]}, "speakers.0.twitter"),
            ({"capacity": 0}, "capacity"),
            ({"starts_at": "2030-01-01T09:00"}, "starts_at"),
        ],
    )
    async def test_bad_session_is_422(self, orgs: OrgFactory, payload: dict[str, Any], field: str) -> None:
        org = await orgs.create(roles=("owner",))
        event = await make_event(org.owner)
        body = {"title": "T", "starts_at": at(0), "ends_at": at(1), **payload}
        assert_validation(await org.owner.client.post(f"/api/events/{event['id']}/sessions", json=body), field)
        assert (await org.owner.client.get(f"/api/events/{event['id']}/sessions")).json()["items"] == []

    async def test_event_without_times_takes_no_sessions(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        event = await make_event(org.owner, starts_at=None, ends_at=None)
        body = {"title": "T", "starts_at": at(0), "ends_at": at(1)}
        assert_validation(await org.owner.client.post(f"/api/events/{event['id']}/sessions", json=body), "starts_at")

    async def test_overlap_in_the_same_room_is_409_naming_the_session(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        event = await make_event(org.owner)
        first = await add_session(org.owner, event["id"], title="Keynote", starts_at=at(1), ends_at=at(2))
        url = f"/api/events/{event['id']}/sessions"
        clash = {"title": "Panel", "starts_at": at(1.5), "ends_at": at(2.5), "room": "main HALL"}
        body = assert_problem(await org.owner.client.post(url, json=clash), 409, "session_overlap")
        assert body["conflicting_session_id"] == first["id"]
        assert body["errors"][0]["field"] == "room" and "Keynote" in body["errors"][0]["message"]
        # Another room, or back to back in the same room, is fine.
        await add_session(org.owner, event["id"], title="Other room", starts_at=at(1.5), ends_at=at(2.5), room="Annex")
        await add_session(org.owner, event["id"], title="Next", starts_at=at(2), ends_at=at(3))


class TestEditSession:
    async def test_patch_checks_overlap_but_not_against_itself(self, orgs: OrgFactory) -> None:
        org, other = await orgs.create(roles=("owner", "viewer")), await orgs.create(roles=("owner",))
        event = await make_event(org.owner)
        a = await add_session(org.owner, event["id"], title="A", starts_at=at(0), ends_at=at(1))
        b = await add_session(org.owner, event["id"], title="B", starts_at=at(2), ends_at=at(3))
        url = f"/api/events/{event['id']}/sessions/{b['id']}"
        r = await org.owner.client.patch(url, json={"starts_at": at(1.5), "title": "B2"})
        assert r.status_code == 200 and r.json()["title"] == "B2"
        assert_problem(await org.owner.client.patch(url, json={"starts_at": at(0.5)}), 409, "session_overlap")
        assert_problem(await org.viewer.client.patch(url, json={"title": "Z"}), 403)
        assert_problem(await other.owner.client.patch(url, json={"title": "Z"}), 404)
        wrong_event = await make_event(org.owner, title="Other")
        r = await org.owner.client.patch(f"/api/events/{wrong_event['id']}/sessions/{a['id']}", json={"title": "Z"})
        assert_problem(r, 404)
        assert_validation(await org.owner.client.patch(url, json={"ends_at": at(10)}), "ends_at")

    async def test_delete(self, orgs: OrgFactory) -> None:
        org, other = await orgs.create(roles=("owner", "member", "viewer")), await orgs.create(roles=("owner",))
        event = await make_event(org.owner)
        a = await add_session(org.owner, event["id"])
        url = f"/api/events/{event['id']}/sessions/{a['id']}"
        assert_problem(await org.viewer.client.delete(url), 403)
        assert_problem(await other.owner.client.delete(url), 404)
        assert (await org.member.client.delete(url)).status_code == 204
        assert_problem(await org.member.client.delete(url), 404)


class TestReorder:
    async def test_reorder_takes_every_id_once(self, orgs: OrgFactory) -> None:
        org, other = await orgs.create(roles=("owner", "viewer")), await orgs.create(roles=("owner",))
        event = await make_event(org.owner)
        ids = [
            (await add_session(org.owner, event["id"], title=f"S{i}", starts_at=at(i), ends_at=at(i + 1)))["id"]
            for i in range(3)
        ]
        url = f"/api/events/{event['id']}/sessions/reorder"
        new = [ids[2], ids[0], ids[1]]
        r = await org.owner.client.post(url, json={"ids": new})
        assert r.status_code == 200, r.text
        assert [s["id"] for s in r.json()["items"]] == new
        listed = (await org.owner.client.get(f"/api/events/{event['id']}/sessions")).json()["items"]
        assert [s["id"] for s in listed] == new and [s["position"] for s in listed] == [0, 1, 2]
        assert_validation(await org.owner.client.post(url, json={"ids": new[:2]}), "ids")
        assert_validation(await org.owner.client.post(url, json={"ids": [*new[:2], new[0]]}), "ids")
        assert_validation(await org.owner.client.post(url, json={"ids": [*new[:2], str(uuid.uuid4())]}), "ids")
        assert_problem(await org.viewer.client.post(url, json={"ids": new}), 403)
        assert_problem(await other.owner.client.post(url, json={"ids": new}), 404)

    async def test_patch_position(self, orgs: OrgFactory) -> None:
        org = await orgs.create(roles=("owner",))
        event = await make_event(org.owner)
        a = await add_session(org.owner, event["id"], title="A")
        r = await org.owner.client.patch(f"/api/events/{event['id']}/sessions/{a['id']}", json={"position": 7})
        assert r.json()["position"] == 7


class TestScheduleLive:
    async def test_changes_announce_on_the_event_channel_after_commit(
        self, orgs: OrgFactory, capture_live_events: Any
    ) -> None:
        org = await orgs.create(roles=("owner",))
        event = await make_event(org.owner)
        await capture_live_events.watch(f"event:{event['id']}")
        slot = await add_session(org.owner, event["id"])
        clash = {"title": "Clash", "starts_at": at(0), "ends_at": at(1), "room": "Main hall"}
        assert_problem(await org.owner.client.post(f"/api/events/{event['id']}/sessions", json=clash), 409)
        await org.owner.client.delete(f"/api/events/{event['id']}/sessions/{slot['id']}")
        found = await capture_live_events.events()
        assert [e.type for e in found] == ["event.changed", "event.changed"]  # nothing for the refused one
        assert '"session_added"' in found[0].data and '"session_removed"' in found[1].data
