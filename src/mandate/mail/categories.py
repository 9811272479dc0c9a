"""The notification categories a user can turn off. Transactional mail has no category: it always goes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    key: str
    label: str
    description: str
    default: bool = True


CATEGORIES = (
    Category("product_updates", "Product updates", "New features and changes to Mandate, at most once a month."),
    Category(
        "event_reminders", "Event reminders", "Reminders before events you registered for, with calendar invites."
    ),
    Category("community_digests", "Community digests", "A summary of new threads and replies in your channels."),
)
CATEGORIES_BY_KEY = {c.key: c for c in CATEGORIES}


def get_category(key: str) -> Category:
    category = CATEGORIES_BY_KEY.get(key)
    if category is None:
        raise ValueError(f"unknown notification category {key!r}")
    return category
