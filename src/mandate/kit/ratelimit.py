"""Rate limits on top of `limits`: memory in one process, Redis when configured."""

from __future__ import annotations

import time

from limits import RateLimitItem, parse
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from mandate.kit.errors import TooManyRequests


class RateLimiter:
    def __init__(self, storage_uri: str) -> None:
        storage = storage_from_string(storage_uri)
        assert isinstance(storage, Storage)
        self._storage = storage
        self._limiter = MovingWindowRateLimiter(self._storage)

    def hit(self, rule: str, *keys: str) -> bool:
        return self._limiter.hit(parse(rule), *keys)

    def allowed(self, rule: str, *keys: str) -> bool:
        return self._limiter.test(parse(rule), *keys)

    def retry_after(self, rule: str, *keys: str) -> int:
        item: RateLimitItem = parse(rule)
        reset_at, _remaining = self._limiter.get_window_stats(item, *keys)
        return max(1, int(reset_at - time.time()))

    def require(self, rule: str, *keys: str) -> None:
        if not self.allowed(rule, *keys):
            raise TooManyRequests(
                "Too many attempts; try again later",
                headers={"Retry-After": str(self.retry_after(rule, *keys))},
            )

    def clear(self, rule: str, *keys: str) -> None:
        self._limiter.clear(parse(rule), *keys)
