"""Live updates: channels, a bus (memory or Redis), publishing after commit, and the SSE endpoint.

Domain code calls `publish(session, channel, event_type, data)`; pages link to `stream_url(...)`.
"""

from mandate.live.bus import LiveBus, build_bus
from mandate.live.channels import Listener, org_channel, register
from mandate.live.events import LiveEvent
from mandate.live.pages import stream_url
from mandate.live.publishing import publish

__all__ = ["Listener", "LiveBus", "LiveEvent", "build_bus", "org_channel", "publish", "register", "stream_url"]
