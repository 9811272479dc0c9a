"""A deal's audit entries told as sentences: "Sam Okafor moved it from Screening to Due diligence"."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from mandate.audit.models import AuditEntry
from mandate.deal.models import Stage
from mandate.kit.money import CURRENCIES, Money

FIELD_LABELS = {
    "name": "name",
    "target_company": "target company",
    "industry": "industry",
    "deal_size_minor": "deal size",
    "currency": "currency",
    "owner_id": "owner",
    "description": "description",
    "expected_close": "expected close",
}


@dataclass
class Event:
    actor: str
    summary: str
    at: datetime
    kind: str
    details: list[str] = field(default_factory=list)


def _stage(value: Any) -> str:
    try:
        return Stage(str(value)).label
    except ValueError:
        return str(value)


class Narrator:
    def __init__(self, names: dict[uuid.UUID, str], currency: str) -> None:
        self.names = names
        self.currency = currency

    def actor(self, entry: AuditEntry) -> str:
        if entry.actor_user_id and entry.actor_user_id in self.names:
            name = self.names[entry.actor_user_id]
            return f"{name} (API token)" if entry.actor_token_id else name
        return entry.actor_label

    def value(self, attr: str, raw: Any, currency: str) -> str:
        if raw is None or raw == "":
            return "nothing"
        if attr == "deal_size_minor" and currency in CURRENCIES:
            return Money(int(raw), currency).format()
        if attr == "owner_id":
            try:
                return self.names.get(uuid.UUID(str(raw)), "a former member")
            except ValueError:
                return str(raw)
        if attr == "expected_close":
            try:
                return date.fromisoformat(str(raw)).strftime("%d %b %Y")
            except ValueError:
                return str(raw)
        return str(raw)

    def change(self, attr: str, old: Any, new: Any, currency: str) -> str:
        label = FIELD_LABELS.get(attr, attr.replace("_", " "))
        if attr == "description":
            return "edited the description"
        if old in (None, ""):
            return f"set {label} to {self.value(attr, new, currency)}"
        if new in (None, ""):
            return f"removed the {label} (was {self.value(attr, old, currency)})"
        return f"changed {label} from {self.value(attr, old, currency)} to {self.value(attr, new, currency)}"

    def describe(self, entry: AuditEntry) -> Event:
        data = entry.data or {}
        actor = self.actor(entry)
        kind = entry.action.split(".", 1)[-1]
        if entry.action == "deal.created":
            return Event(actor, f"created the deal in {_stage(data.get('stage', 'sourcing'))}", entry.created_at, kind)
        if entry.action == "deal.stage_changed":
            summary = f"moved it from {_stage(data.get('from'))} to {_stage(data.get('to'))}"
            return Event(actor, summary, entry.created_at, kind)
        if entry.action == "deal.updated":
            changes: dict[str, list[Any]] = data.get("changes", {})
            currency = str(changes.get("currency", [None, self.currency])[1] or self.currency)
            details = [self.change(attr, pair[0], pair[1], currency) for attr, pair in changes.items()]
            if len(details) == 1:
                return Event(actor, details[0], entry.created_at, kind)
            details = [d[:1].upper() + d[1:] for d in details]
            return Event(actor, f"edited {len(details)} details:", entry.created_at, kind, details)
        if entry.action == "deal.archived":
            return Event(actor, "archived the deal", entry.created_at, kind)
        if entry.action == "deal.restored":
            return Event(actor, "restored the deal", entry.created_at, kind)
        readable = kind.replace("_", " ").replace(".", " ")
        return Event(actor, readable, entry.created_at, kind)


def timeline(entries: list[AuditEntry], names: dict[uuid.UUID, str], currency: str) -> list[Event]:
    narrator = Narrator(names, currency)
    return [narrator.describe(e) for e in entries]
