"""Every module that registers job handlers, imported wherever jobs are enqueued or run."""

from __future__ import annotations

import importlib

HANDLER_MODULES: tuple[str, ...] = (
    "mandate.deal.tasks",
    "mandate.mail.tasks",
    "mandate.account.tasks",
    "mandate.event.attendees.tasks",
)


def load_handlers() -> None:
    for module in HANDLER_MODULES:
        importlib.import_module(module)
