"""Opaque cursors: round-trip, and anything else is a 422 naming `cursor`."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mandate.kit.errors import ValidationFailed
from mandate.kit.pagination import Cursor, decode_cursor, encode_cursor

json_values = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=30))


class TestCursor:
    @given(sort=st.text(max_size=20), value=json_values, row_id=st.text(max_size=40))
    def test_round_trip(self, sort: str, value: object, row_id: str) -> None:
        token = encode_cursor(Cursor(sort, value, row_id))
        assert "=" not in token
        assert decode_cursor(token, sort=sort) == Cursor(sort, value, row_id)

    def test_other_sort_is_refused(self) -> None:
        token = encode_cursor(Cursor("name", "x", "1"))
        with pytest.raises(ValidationFailed) as caught:
            decode_cursor(token, sort="-name")
        assert caught.value.errors[0].field == "cursor"

    @pytest.mark.parametrize(
        "payload",
        [b"not json", b"[1,2]", b"[1,2,3,4]", b'{"a":1,"b":2,"c":3}', b'["name","x",5]', b"17", b"\xff\xfe"],
    )
    def test_malformed_payloads_are_refused(self, payload: bytes) -> None:
        token = base64.urlsafe_b64encode(payload).decode().rstrip("=")
        with pytest.raises(ValidationFailed) as caught:
            decode_cursor(token, sort="name")
        assert caught.value.errors[0].field == "cursor"

    @given(token=st.text(max_size=80))
    def test_any_text_decodes_or_is_a_cursor_error(self, token: str) -> None:
        try:
            decoded = decode_cursor(token, sort="name")
        except ValidationFailed as exc:
            assert exc.errors[0].field == "cursor"
            return
        assert decoded.sort == "name"
        assert isinstance(decoded.id, str)

    def test_token_is_url_safe(self) -> None:
        token = encode_cursor(Cursor("-updated_at", "2026-01-01T00:00:00+00:00", "?&/+" * 10))
        assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        assert json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))[0] == "-updated_at"
