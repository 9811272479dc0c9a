"""The deploy blueprint (render.yaml) and the image (Dockerfile) agree with the code they run.

Docker cannot run here, so these read the files: the YAML parses, every `mandate` command they name
is one the CLI accepts, each service gets the settings production mode insists on, and the image
installs what WeasyPrint loads and runs as a non-root user.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from mandate.cli import build_parser
from mandate.config import Mode, Settings

ROOT = Path(__file__).resolve().parents[1]
# What Render puts in place of `fromDatabase`/`fromService` references: plain connection strings.
RENDER_DATABASE_URL = "postgresql://mandate:secret@dpg-example-a/mandate"
RENDER_REDIS_URL = "redis://red-example:6379"


@pytest.fixture(scope="module")
def blueprint() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "render.yaml").read_text())
    return loaded


def services(blueprint: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [s for s in blueprint["services"] if s["type"] == kind]


def commands(blueprint: dict[str, Any]) -> list[list[str]]:
    found = [
        shlex.split(s[key]) for s in blueprint["services"] for key in ("dockerCommand", "preDeployCommand") if key in s
    ]
    assert all(c[0] == "mandate" for c in found), found
    return [c[1:] for c in found]


def subcommands() -> set[str]:
    parser = build_parser()
    return set(parser._subparsers._group_actions[0].choices)  # type: ignore[union-attr]


def service_env(blueprint: dict[str, Any], service: dict[str, Any]) -> dict[str, str]:
    """The environment Render would give the service, with stand-ins for generated and prompted values."""
    groups = {g["name"]: g["envVars"] for g in blueprint["envVarGroups"]}
    env: dict[str, str] = {}
    for var in service["envVars"]:
        for entry in groups[var["fromGroup"]] if "fromGroup" in var else [var]:
            env[entry["key"]] = resolve(blueprint, entry)
    return env


def resolve(blueprint: dict[str, Any], var: dict[str, Any]) -> str:
    if "value" in var:
        return str(var["value"])
    if var.get("generateValue"):
        return "g" * 44  # Render generates a base64-encoded 256-bit value
    if "fromDatabase" in var:
        assert var["fromDatabase"]["name"] in {d["name"] for d in blueprint["databases"]}
        return RENDER_DATABASE_URL
    if "fromService" in var:
        ref = var["fromService"]
        assert ref["name"] in {s["name"] for s in services(blueprint, ref["type"])}, ref
        return RENDER_REDIS_URL
    assert var.get("sync") is False, var
    return "typed-in-at-creation"


class TestRenderBlueprint:
    def test_web_serves_with_several_workers_migrates_first_and_checks_readiness(
        self, blueprint: dict[str, Any]
    ) -> None:
        (web,) = services(blueprint, "web")
        args = build_parser().parse_args(shlex.split(web["dockerCommand"])[1:])
        assert args.command == "serve" and args.workers > 1 and args.host == "0.0.0.0"
        assert web["preDeployCommand"] == "mandate migrate"
        assert web["healthCheckPath"] == "/readyz"

    def test_one_job_worker_and_exactly_one_periodic_worker(self, blueprint: dict[str, Any]) -> None:
        worker_commands = sorted(s["dockerCommand"] for s in services(blueprint, "worker"))
        assert worker_commands == ["mandate worker", "mandate worker --periodic"]
        (periodic,) = [s for s in services(blueprint, "worker") if "--periodic" in s["dockerCommand"]]
        assert periodic["numInstances"] == 1

    def test_commands_other_than_worker_exist(self, blueprint: dict[str, Any]) -> None:
        for command in commands(blueprint):
            if command[0] != "worker":
                build_parser().parse_args(command)

    def test_worker_commands_exist(self, blueprint: dict[str, Any]) -> None:
        if "worker" not in subcommands():
            pytest.skip("`mandate worker` comes with the job queue, which is not in this build yet")
        for command in commands(blueprint):
            build_parser().parse_args(command)

    def test_every_process_gets_complete_production_settings(self, blueprint: dict[str, Any]) -> None:
        apps = [s for s in blueprint["services"] if s["type"] in ("web", "worker")]
        assert len(apps) == 3
        for service in apps:
            env = service_env(blueprint, service)
            settings = Settings(
                **{k.removeprefix("MANDATE_").lower(): v for k, v in env.items() if k.startswith("MANDATE_")}
            )
            assert settings.mode is Mode.PRODUCTION, service["name"]
            assert settings.production_problems() == [], service["name"]
            assert settings.database_url.startswith("postgresql+psycopg://")

    def test_processes_share_one_secret_key(self, blueprint: dict[str, Any]) -> None:
        (group,) = blueprint["envVarGroups"]
        assert {"key": "MANDATE_SECRET_KEY", "generateValue": True} in group["envVars"]
        for service in blueprint["services"]:
            keys = {v.get("key") for v in service.get("envVars", [])}
            assert "MANDATE_SECRET_KEY" not in keys, f"{service['name']} would get a key of its own"

    def test_queues_are_never_evicted_and_stores_are_private(self, blueprint: dict[str, Any]) -> None:
        (redis,) = services(blueprint, "keyvalue")
        assert redis["maxmemoryPolicy"] == "noeviction"
        assert redis["ipAllowList"] == []
        assert all(d["ipAllowList"] == [] for d in blueprint["databases"])


@pytest.fixture(scope="module")
def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


class TestDockerfile:
    def test_base_image_and_weasyprint_libraries(self, dockerfile: str) -> None:
        assert "FROM python:3.11-slim" in dockerfile
        for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fonts-dejavu-core"):
            assert package in dockerfile

    def test_installs_exactly_the_lock_file(self, dockerfile: str) -> None:
        assert "uv sync --frozen --no-dev" in dockerfile
        for line in dockerfile.splitlines():
            if line.startswith("COPY") and "--from=" not in line:
                for source in line.split()[1:-1]:
                    assert (ROOT / source).exists(), f"{source} is copied into the image but missing"

    def test_runs_mandate_serve_as_a_non_root_user(self, dockerfile: str) -> None:
        users = [line.split()[1] for line in dockerfile.splitlines() if line.startswith("USER ")]
        assert users and users[-1] not in ("root", "0")
        cmd = next(line for line in dockerfile.splitlines() if line.startswith("CMD "))
        assert "exec mandate serve" in cmd and "--workers" in cmd

    def test_dockerignore_keeps_local_state_and_secrets_out(self) -> None:
        ignored = set((ROOT / ".dockerignore").read_text().split())
        assert {".git", ".venv", "node_modules", "data", ".env"} <= ignored
