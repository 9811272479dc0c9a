"""The one attendee transition table. Every status change goes through `check_transition`."""

from __future__ import annotations

from mandate.event.models import AttendeeStatus
from mandate.kit.errors import Conflict

S = AttendeeStatus


class InvalidTransition(Conflict):
    code = "invalid_transition"
    title = "That status change is not allowed"


# Transitions only organizers may make (an attendee cannot undo their own check-in).
ORGANIZER_ONLY: frozenset[tuple[S, S]] = frozenset({(S.CHECKED_IN, S.REGISTERED)})

TRANSITIONS: dict[S, frozenset[S]] = {
    S.REGISTERED: frozenset({S.CHECKED_IN, S.CANCELLED}),
    S.CHECKED_IN: frozenset({S.REGISTERED}),
    S.WAITLISTED: frozenset({S.REGISTERED, S.CANCELLED}),
    S.CANCELLED: frozenset(),
}

# Statuses that take a seat; a waitlisted attendee with an open offer holds one too.
SEATED: frozenset[S] = frozenset({S.REGISTERED, S.CHECKED_IN})
ACTIVE: frozenset[S] = frozenset({S.REGISTERED, S.CHECKED_IN, S.WAITLISTED})


def allowed_targets(current: S) -> list[str]:
    return sorted(t.value for t in TRANSITIONS[current])


def check_transition(current: S, target: S) -> None:
    if target not in TRANSITIONS[current]:
        allowed = allowed_targets(current)
        raise InvalidTransition(
            f"An attendee cannot go from {current.value} to {target.value}",
            current=current.value,
            allowed=allowed,
        )
