"""Channel names, the per-kind registry, and the several-channel SSE id."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from mandate.live.channels import Listener, name, parse_uuid, register, split
from mandate.live.cursor import decode_cursor, encode_cursor


class TestChannelNames:
    def test_split_and_name(self) -> None:
        org_id = uuid.uuid4()
        assert split(f"org:{org_id}") == ("org", str(org_id))
        assert name("deal", org_id) == f"deal:{org_id}"
        for bad in ("", "org", "org:", ":id", "Org:x", "org:a b", "org:a|b", "org:a,b", "x" * 40 + ":1"):
            assert split(bad) is None, bad
        with pytest.raises(ValueError, match="not a channel name"):
            name("deal", "a b")

    def test_only_canonical_uuids_name_a_resource(self) -> None:
        value = uuid.uuid4()
        assert parse_uuid(str(value)) == value
        assert parse_uuid(str(value).upper()) is None
        assert parse_uuid(value.hex) is None
        assert parse_uuid("nope") is None

    def test_a_kind_has_one_authoriser(self) -> None:
        async def another(_session: Any, _listener: Listener, _id: str) -> bool:
            return True

        with pytest.raises(ValueError, match="already has an authoriser"):
            register("org", another)


class TestCursor:
    def test_round_trip_keeps_every_channel(self) -> None:
        positions = {f"org:{uuid.uuid4()}": "1712345678901-0", f"deal:{uuid.uuid4()}": "0-0"}
        text = encode_cursor(positions)
        assert "\n" not in text and "\r" not in text
        assert decode_cursor(text) == positions

    @pytest.mark.parametrize(
        "text",
        ["", "org:a", "org:a|", "org:a|12", "org:a|1-x", "nochannel|1-0", "org:a|1-0,", "org:a|1-0|2-0", "x" * 2001],
    )
    def test_anything_else_is_refused(self, text: str) -> None:
        with pytest.raises(ValueError):
            decode_cursor(text)
