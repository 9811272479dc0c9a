"""The `mandate` command."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import secrets
import sys

from mandate.config import ConfigurationError, Mode, Settings, get_settings

EXIT_CONFIG = 78  # sysexits.h EX_CONFIG: the settings are wrong, retrying will not help


def _migrate(settings: Settings) -> None:
    from mandate.migrate import upgrade

    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)


async def _seed_if_empty(settings: Settings) -> bool:
    from mandate import demo
    from mandate.kit.db import create_engine, create_session_factory

    engine = create_engine(settings.database_url)
    try:
        async with create_session_factory(engine)() as session:
            if await demo.is_seeded(session):
                return False
            await demo.seed(session)
            await session.commit()
            return True
    finally:
        await engine.dispose()


def _print_logins(settings: Settings, *, serving: bool = True) -> None:
    from mandate.demo import DEMO_PASSWORD, LOGINS

    if serving:
        print(f"\n  Mandate is starting at {settings.base_url}\n")
    print(f"  Demo logins (password for all: {DEMO_PASSWORD}):")
    for login in LOGINS:
        print(f"    {login.email:<28} {login.role}")
    print(flush=True)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from mandate.kit.metrics import prepare_multiprocess_dir

    settings = get_settings().check()
    prepare_multiprocess_dir()
    if settings.mode is Mode.EMBEDDED:
        _migrate(settings)
        if settings.seed_demo:
            asyncio.run(_seed_if_empty(settings))
        _print_logins(settings)
    settings.ensure_secret_key()
    uvicorn.run(
        "mandate.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="warning",
        proxy_headers=True,
    )
    return 0


def cmd_migrate(_args: argparse.Namespace) -> int:
    _migrate(get_settings().check())
    print("Database is at the latest migration.")
    return 0


def cmd_seed_demo(_args: argparse.Namespace) -> int:
    settings = get_settings()
    _migrate(settings)
    if asyncio.run(_seed_if_empty(settings)):
        _print_logins(settings, serving=False)
    else:
        print("The database already has users; demo data not loaded.")
    return 0


async def _create_staff(settings: Settings, email: str, password: str, full_name: str) -> None:
    from mandate.account.service import create_user
    from mandate.kit.db import create_engine, create_session_factory

    engine = create_engine(settings.database_url)
    try:
        async with create_session_factory(engine)() as session:
            await create_user(session, email=email, password=password, full_name=full_name, is_staff=True)
            await session.commit()
    finally:
        await engine.dispose()


def cmd_create_staff(args: argparse.Namespace) -> int:
    from mandate.kit.errors import AppError

    settings = get_settings()
    generated = not sys.stdin.isatty()
    password = secrets.token_urlsafe(16) if generated else getpass.getpass("Password for the staff account: ")
    try:
        asyncio.run(_create_staff(settings, args.email, password, args.name))
    except AppError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 1
    print(f"Staff account {args.email} created." + (f" Password: {password}" if generated else ""))
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from mandate.kit.logging import configure_logging
    from mandate.kit.metrics import prepare_multiprocess_dir, serve_worker_metrics
    from mandate.runtime import build_runtime

    settings = get_settings().check()
    prepare_multiprocess_dir()
    configure_logging(settings.log_level, json=settings.log_json)
    runtime = build_runtime(settings)
    if runtime.jobs.immediate:
        print("error: MANDATE_JOBS_BACKEND=memory runs jobs inline; a worker needs sqlite or redis", file=sys.stderr)
        return 2
    asyncio.run(runtime.storage.start())
    if args.metrics_port:
        serve_worker_metrics(args.metrics_host, args.metrics_port)
    workers = args.workers or settings.jobs_workers
    runtime.jobs.consumer(workers=workers, periodic=args.periodic, quiet=False).run()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mandate", description="Mandate platform")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="migrate (embedded mode), seed demo data once, and serve")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(func=cmd_serve)
    worker = sub.add_parser("worker", help="run background jobs (start exactly one with --periodic)")
    worker.add_argument("--workers", type=int, default=0, help="job threads (default MANDATE_JOBS_WORKERS)")
    worker.add_argument("--periodic", action="store_true", help="also run periodic tasks such as the sweeper")
    worker.add_argument("--metrics-port", type=int, default=0, help="serve this worker's /metrics on a port")
    worker.add_argument(
        "--metrics-host", default="127.0.0.1", help="address for --metrics-port (0.0.0.0 in a container)"
    )
    worker.set_defaults(func=cmd_worker)
    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)
    sub.add_parser("seed-demo", help="load demo data into an empty database").set_defaults(func=cmd_seed_demo)
    staff = sub.add_parser("create-staff", help="create a platform staff account")
    staff.add_argument("email")
    staff.add_argument("--name", default="Platform Staff")
    staff.set_defaults(func=cmd_create_staff)
    smoke = sub.add_parser("smoke", help="check a running deployment end to end")
    smoke.add_argument("--base-url", required=True, help="e.g. https://mandate.example.com")
    smoke.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for the export job")
    smoke.add_argument("--event-timeout", type=float, default=10.0, help="seconds to wait for the live event")
    smoke.set_defaults(func=cmd_smoke)
    return parser


def cmd_smoke(args: argparse.Namespace) -> int:
    from mandate.smoke import run_smoke

    return 0 if run_smoke(args.base_url, job_timeout=args.timeout, event_timeout=args.event_timeout) else 1


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result: int = args.func(args)
    except ConfigurationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    return result


if __name__ == "__main__":
    raise SystemExit(main())
