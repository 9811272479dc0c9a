"""The Huey side: which storage, the one task that runs any job, the sweeper, the consumer."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab
from huey.consumer import Consumer

from mandate.config import Settings
from mandate.kit.logging import get_logger

if TYPE_CHECKING:
    from mandate.jobs.worker import WorkerThreads

log = get_logger(__name__)
RUN_TASK = "mandate.run_job"
SWEEP_TASK = "mandate.sweep_jobs"


def jobs_backend(settings: Settings) -> str:
    if settings.jobs_backend != "auto":
        return settings.jobs_backend
    return "redis" if settings.redis_url else "sqlite"


def build_huey(settings: Settings) -> Huey:
    backend = jobs_backend(settings)
    if backend == "memory":
        return MemoryHuey("mandate", immediate=True, results=False)
    if backend == "redis":
        if not settings.redis_url:
            raise RuntimeError("MANDATE_JOBS_BACKEND=redis needs MANDATE_REDIS_URL")
        return RedisHuey("mandate", url=settings.redis_url, results=False, blocking=True, read_timeout=1)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    # Its own file: the queue's polling writes never contend with the application database.
    return SqliteHuey("mandate", filename=str(settings.data_dir / "jobs.db"), results=False)


class _QuietConsumer(Consumer):  # type: ignore[misc]
    """Runs inside a process that owns its signals (uvicorn): start threads, touch no handlers."""

    def _set_signal_handlers(self) -> None:
        return None


class JobQueue:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.huey = build_huey(settings)
        self.threads: WorkerThreads | None = None
        self._run_task = self.huey.task(name=RUN_TASK)(self._run)
        self.huey.periodic_task(crontab(minute="*"), name=SWEEP_TASK)(self._sweep)
        self._consumer: Consumer | None = None

    @property
    def immediate(self) -> bool:
        return bool(self.huey.immediate)

    def bind(self, threads: WorkerThreads) -> None:
        """Give the queue the code that runs jobs on worker threads (set once the runtime exists)."""
        self.threads = threads

    async def submit(self, job_id: uuid.UUID, *, delay: float = 0) -> None:
        # Enqueueing is blocking I/O (Redis, SQLite); in immediate mode it also runs the job.
        await asyncio.to_thread(self.submit_sync, job_id, delay=delay)

    def submit_sync(self, job_id: uuid.UUID, *, delay: float = 0) -> None:
        if delay > 0:
            self._run_task.schedule(args=(str(job_id),), delay=delay)
        else:
            self._run_task(str(job_id))

    def _run(self, job_id: str) -> None:
        self._require_threads().run_job(uuid.UUID(job_id))

    def _sweep(self) -> None:
        self._require_threads().sweep()

    def _require_threads(self) -> WorkerThreads:
        if self.threads is None:
            raise RuntimeError("JobQueue.bind() was not called")
        return self.threads

    def consumer(self, *, workers: int, periodic: bool, quiet: bool) -> Consumer:
        cls: Callable[..., Consumer] = _QuietConsumer if quiet else Consumer
        options: dict[str, Any] = {"workers": workers, "periodic": periodic, "worker_type": "thread"}
        options.update(initial_delay=0.01, backoff=1.5, max_delay=self.settings.jobs_poll_seconds)
        return cls(self.huey, **options)

    def start_in_process(self) -> None:
        """Embedded mode: consumer threads inside the app process, periodic sweeper included."""
        if self.immediate or self._consumer is not None:
            return
        self._consumer = self.consumer(workers=self.settings.jobs_workers, periodic=True, quiet=True)
        self._consumer.start()
        log.info("job_consumer_started", workers=self.settings.jobs_workers, backend=jobs_backend(self.settings))

    def stop_in_process(self) -> None:
        if self._consumer is None:
            return
        self._consumer.stop(graceful=True)
        self._consumer = None
        if self.threads is not None:
            self.threads.close()
