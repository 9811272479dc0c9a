"""Fast JSON responses for hot list endpoints (orjson; the route keeps its response_model for docs)."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS


def encode_json(content: Any) -> bytes:
    return orjson.dumps(content, option=_OPTIONS)


class FastJSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return encode_json(content)
