from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_erd_matches_models() -> None:
    spec = importlib.util.spec_from_file_location("erd", ROOT / "scripts" / "erd.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    current = (ROOT / "docs" / "erd.md").read_text()
    assert current == module.render(), "docs/erd.md is stale: run `make erd`"
