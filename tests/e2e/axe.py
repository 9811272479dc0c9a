"""axe-core (the npm package) injected into the page under test."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

AXE_PATH = Path("node_modules") / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}
RUN_AXE = """async (tags) => await axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
})"""


def load_axe_source(root: Path) -> str:
    """The axe engine from node_modules; installs it with npm if needed, else fails (never skips)."""
    path = root / AXE_PATH
    if not path.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail(f"{AXE_PATH} is missing and npm is not installed: cannot check accessibility")
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0 or not path.exists():
            pytest.fail(f"npm ci did not provide {AXE_PATH}:\n{done.stdout}\n{done.stderr}")
    source = path.read_text(encoding="utf-8")
    if "axe" not in source[:2000]:
        pytest.fail(f"{path} does not look like axe-core")
    return source


def _describe(violation: dict[str, Any]) -> str:
    lines = [f"  [{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})"]
    for node in violation["nodes"][:8]:
        target = " ".join(str(t) for t in node["target"])
        lines.append(f"      at {target}")
        summary = (node.get("failureSummary") or "").replace("\n", " ")
        if summary:
            lines.append(f"         {summary[:300]}")
    return "\n".join(lines)


class AxeChecker:
    """Runs axe on a page; serious and critical violations fail the test, all are logged."""

    def __init__(self, source: str, log_path: Path | None = None) -> None:
        self.source = source
        self.log_path = log_path

    def check(self, page: Page, *, where: str) -> None:
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.add_script_tag(content=self.source)
        results = page.evaluate(RUN_AXE, WCAG_TAGS)
        violations: list[dict[str, Any]] = results["violations"]
        if self.log_path is not None:
            entry = {
                "page": where,
                "violations": [
                    {
                        "id": v["id"],
                        "impact": v["impact"],
                        "help": v["help"],
                        "targets": [" ".join(str(t) for t in n["target"]) for n in v["nodes"]],
                    }
                    for v in violations
                ],
            }
            with self.log_path.open("a", encoding="utf-8") as log:
                log.write(json.dumps(entry) + "\n")
        blocking = [v for v in violations if v["impact"] in BLOCKING]
        assert not blocking, f"axe-core found serious/critical violations on {where}:\n" + "\n".join(
            _describe(v) for v in blocking
        )
