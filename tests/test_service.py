"""The service in-process (a directory source): start, health, second instance refused,
config change restarts the jobs, a broken config is ignored, stop is prompt."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

import pytest
import yaml
from apscheduler.triggers.interval import IntervalTrigger
from pipeline_kit import digest_email, write_config
from store_backends import postgres_schema_url

from mailer.config.settings import ConfigError, load_settings
from mailer.core.timings import Timings
from mailer.runtime.generation import ServiceFailure
from mailer.runtime.instance_lock import AlreadyRunningError, LockLostError
from mailer.runtime.metrics import REGISTRY
from mailer.runtime.service import SERVE, WATCH, HttpAddress, Service
from mailer.sources import Source
from mailer.sources.watching import WatchStatus
from mailer.store.db import Store
from mailer.store.service_status import ServiceStatusLog

LLM = ("2510.00001", "Tiny Llamas: a small language model", "We train a language model.")
RULE = {"name": "llm", "match": {"any": ["language model"]}, "notify": [{"to": "team"}]}
FAST = Timings.for_tests()  # the same service, looking at itself within a second


def wait_for(what: str, check: Callable[[], object], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class Running:
    def __init__(self, service: Service) -> None:
        self.service = service
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.service.run()
        except BaseException as e:  # noqa: BLE001 bulkhead: the test thread hands any error to the test
            self.error = e

    def healthz(self) -> tuple[int, dict[str, object]]:
        server = self.service._server
        if server is None:
            return 0, {}
        host, port = server.address
        try:
            with urllib.request.urlopen(f"http://{host}:{port}/healthz", timeout=5) as reply:
                return reply.status, json.loads(reply.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def stop(self) -> float:
        started = time.monotonic()
        self.service.request_stop()
        self.thread.join(timeout=15)
        assert not self.thread.is_alive()
        return time.monotonic() - started


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = write_config(tmp_path, [RULE])
    (tmp_path / "inbox" / "1.eml").write_bytes(digest_email("d1", _now(), [LLM]))
    return path


def _now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def running(config: Path) -> Iterator[Running]:
    service = Service(load_settings(config, {}), http=HttpAddress("127.0.0.1", 0), timings=FAST)
    run = Running(service)
    yield run
    if run.thread.is_alive():
        run.stop()


def test_serves_health_after_the_start_up_fetch_and_stops_promptly(
    running: Running, tmp_path: Path
) -> None:
    wait_for("the start-up fetch", lambda: list((tmp_path / "out").glob("*.json")))
    status, body = running.healthz()
    assert status == 200
    assert body["status"] == "ok"
    assert running.stop() < 5
    assert running.error is None


def test_a_second_instance_on_the_same_state_refuses_to_start(
    running: Running, config: Path
) -> None:
    wait_for("the first instance", lambda: running.healthz()[0] == 200)
    with pytest.raises(AlreadyRunningError, match="already running"):
        Service(load_settings(config, {}), timings=FAST).run()
    assert running.healthz()[0] == 200  # the first one is unaffected


def test_a_changed_config_restarts_the_jobs_and_a_broken_one_is_ignored(
    running: Running, config: Path, tmp_path: Path
) -> None:
    wait_for("the start-up fetch", lambda: running.healthz()[0] == 200)
    data = yaml.safe_load(config.read_text())
    (tmp_path / "more").mkdir()
    data["sources"].append({"name": "more", "kind": "directory", "path": str(tmp_path / "more")})
    config.write_text(yaml.safe_dump(data))
    wait_for(
        "the new source in /healthz",
        lambda: "more" in json.dumps(running.healthz()[1]),
        timeout=15,
    )
    config.write_text("sources: [oops\n")
    store = Store.open(data["state"], migrate=False)

    def config_error_recorded() -> bool:
        entry = ServiceStatusLog(store.engine).entries("config").get("config")
        return entry is not None and not entry.ok

    wait_for("the config error in the status", config_error_recorded, timeout=10)
    store.close()
    status, body = running.healthz()
    assert status == 200
    assert "more" in json.dumps(body)
    assert running.error is None


@pytest.mark.integration
def test_on_postgresql_a_second_instance_is_a_standby_that_takes_over(tmp_path: Path) -> None:
    schema = postgres_schema_url()
    url = next(schema)
    try:
        config = write_config(tmp_path, [RULE], state=url)
        data = yaml.safe_load(config.read_text())
        data["replicas"] = {"heartbeat_seconds": 0.2, "handover_seconds": 0.5}
        config.write_text(yaml.safe_dump(data))
        (tmp_path / "inbox" / "1.eml").write_bytes(digest_email("d1", _now(), [LLM]))
        first = Running(
            Service(load_settings(config, {}), http=HttpAddress("127.0.0.1", 0), timings=FAST)
        )
        second: Running | None = None
        try:
            wait_for("the first to lead", lambda: first.healthz()[1].get("role") == "leader")
            second = Running(
                Service(load_settings(config, {}), http=HttpAddress("127.0.0.1", 0), timings=FAST)
            )
            wait_for(
                "the second to start", lambda: second is not None and second.healthz()[0] == 200
            )
            status, body = second.healthz()
            assert (status, body["role"]) == (200, "standby"), body  # healthy, not fetching
            wait_for("the alert", lambda: list((tmp_path / "out").glob("*.json")))
            assert first.stop() < 5
            wait_for("the standby to lead", lambda: second.healthz()[1].get("role") == "leader")
        finally:
            first.stop() if first.thread.is_alive() else None
            if second is not None:
                assert second.stop() < 5
        assert first.error is None
        assert second.error is None
    finally:
        schema.close()


class DyingWatcher:
    """A watcher whose thread has ended (as `ImapWatcher.run` leaves it after a crash)."""

    started: ClassVar[list[str]] = []

    def __init__(self, source: Source, jobs: object) -> None:
        self.name = source.name
        self._state = "stopped"

    def start(self) -> None:
        DyingWatcher.started.append(self.name)

    def stop(self) -> None: ...

    def join(self, timeout: float | None = None) -> None: ...

    def status(self) -> WatchStatus:
        since = datetime(2000, 1, 1, tzinfo=UTC)  # stopped long ago
        return WatchStatus(self.name, "stopped", since, last_error="watcher stopped: boom")


def test_a_watcher_whose_thread_died_is_replaced(tmp_path: Path) -> None:
    config = write_config(tmp_path, [RULE])
    data = yaml.safe_load(config.read_text())
    data["sources"].append(
        {"name": "mail", "kind": "imap", "host": "127.0.0.1", "port": 1, "username": "u"}
    )
    config.write_text(yaml.safe_dump(data))
    DyingWatcher.started.clear()
    service = Service(load_settings(config, {}), watcher_factory=DyingWatcher, timings=FAST)
    run = Running(service)
    try:
        wait_for("a second watcher", lambda: DyingWatcher.started.count("mail") >= 2, 15)
    finally:
        run.stop()
    assert run.error is None


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_dead_scheduler_thread_stops_the_service_with_a_failure(running: Running) -> None:
    wait_for("the start-up fetch", lambda: running.healthz()[0] == 200)
    generation = running.service._generation
    assert generation is not None

    class Broken(IntervalTrigger):  # type: ignore[misc]  # APScheduler is untyped
        def get_next_fire_time(self, previous: object, now: datetime) -> datetime | None:
            raise RuntimeError("trigger bug")

    generation.scheduler.add_job(lambda: None, Broken(seconds=1), next_run_time=_now())
    unhealthy: list[dict[str, object]] = []

    def unhealthy_or_gone() -> bool:
        # the supervisor may stop the service (and its endpoint) before a poll sees the 503
        try:
            status, body = running.healthz()
        except urllib.error.URLError:
            return True
        if status == 503:
            unhealthy.append(body)
        return status in (0, 503)

    wait_for("the scheduler thread to die", unhealthy_or_gone)
    if unhealthy:
        assert "scheduler is not running" in json.dumps(unhealthy[-1])
    running.thread.join(timeout=15)
    assert isinstance(running.error, ServiceFailure)
    assert "scheduler stopped" in str(running.error)


def test_a_config_error_of_an_earlier_run_is_cleared_at_start(config: Path) -> None:
    settings = load_settings(config, {})
    store = Store.open(settings.state)
    at = datetime(2025, 1, 1, tzinfo=UTC)
    ServiceStatusLog(store.engine).record("config", False, "sources: [oops", at)
    run = Running(Service(settings, http=HttpAddress("127.0.0.1", 0), timings=FAST))
    try:
        wait_for("the start", lambda: run.healthz()[0] == 200)
        assert ServiceStatusLog(store.engine).entries("config")["config"].ok
    finally:
        run.stop()
        store.close()


def test_a_changed_state_waits_for_a_restart(running: Running, config: Path) -> None:
    wait_for("the start-up fetch", lambda: running.healthz()[0] == 200)
    data = yaml.safe_load(config.read_text())
    first_state = data["state"]
    data["state"] = first_state.replace("mailer.db", "other.db")
    data["retention_days"] = 7
    config.write_text(yaml.safe_dump(data))
    wait_for("the new config", lambda: running.service.settings.retention_days == 7, 15)
    assert running.service.settings.state == first_state  # still the locked database
    assert not Path(data["state"].removeprefix("sqlite:///")).exists()


def test_a_config_that_cannot_start_is_shown_in_the_status(
    running: Running, config: Path, tmp_path: Path
) -> None:
    wait_for("the start-up fetch", lambda: running.healthz()[0] == 200)
    (tmp_path / "rules" / "broken.yaml").write_text("rules: [{name: x, match: {any: 3}}]\n")
    data = yaml.safe_load(config.read_text())
    data["retention_days"] = 7  # valid config; its rules fail to load
    config.write_text(yaml.safe_dump(data))
    store = Store.open(data["state"], migrate=False)

    def config_error() -> str | None:
        entry = ServiceStatusLog(store.engine).entries("config").get("config")
        return entry.detail if entry is not None and not entry.ok else None

    try:
        wait_for("the config error in the status", config_error, timeout=15)
        assert "cannot start" in str(config_error())
        assert running.healthz()[0] == 200
        assert REGISTRY.get_sample_value("mailer_reload_ok", {"what": "config"}) == 0
        # fixing the rule file applies the waiting config and clears the error
        (tmp_path / "rules" / "broken.yaml").unlink()
        wait_for("the new config", lambda: running.service.settings.retention_days == 7, 15)
        wait_for("the error to clear", lambda: config_error() is None, 10)
        assert REGISTRY.get_sample_value("mailer_reload_ok", {"what": "config"}) == 1
    finally:
        store.close()


class LostLock:
    def __init__(self, held: bool | None) -> None:
        self.held = held  # None: another instance took it

    def verify(self) -> bool:
        if self.held is None:
            raise LockLostError("lost the instance lock: another mailer serve holds it now")
        return self.held

    def release(self) -> None: ...


def test_an_unreachable_lock_is_unhealthy_and_a_lost_one_stops_the_service(
    running: Running,
) -> None:
    wait_for("the start-up fetch", lambda: running.healthz()[0] == 200)
    real = running.service._lock
    assert real is not None
    running.service._lock = LostLock(held=False)
    running.service.verify_lock()
    status, body = running.healthz()
    assert status == 503
    assert "instance lock" in json.dumps(body)
    running.service._lock = LostLock(held=None)
    running.service.verify_lock()
    running.thread.join(timeout=15)
    assert isinstance(running.error, ServiceFailure)
    assert "another mailer serve" in str(running.error)
    real.release()


def test_a_config_edit_the_scheduler_refuses_keeps_the_service_running(
    running: Running, config: Path
) -> None:
    wait_for("the start-up fetch", lambda: running.healthz()[0] == 200)
    data = yaml.safe_load(config.read_text())
    data["sources"][0]["poll"] = "61 * * * *"  # passes the config model, not the scheduler
    config.write_text(yaml.safe_dump(data))
    store = Store.open(data["state"], migrate=False)

    def config_error() -> str | None:
        entry = ServiceStatusLog(store.engine).entries("config").get("config")
        return entry.detail if entry is not None and not entry.ok else None

    try:
        wait_for("the config error in the status", config_error, timeout=15)
        assert "poll" in str(config_error())
    finally:
        store.close()
    assert running.thread.is_alive()
    assert running.error is None
    assert running.healthz()[0] == 200


def test_a_poll_that_is_not_a_cron_expression_stops_the_start_with_a_config_error(
    config: Path,
) -> None:
    data = yaml.safe_load(config.read_text())
    data["sources"][0]["poll"] = "61 * * * *"
    config.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError, match="poll"):
        Service(load_settings(config, {}), timings=FAST).run()


def test_a_failed_service_exits_1_even_with_a_worker_thread_stuck() -> None:
    """After ServiceFailure a fetch stuck in a network read must not hold the exit (the
    interpreter joins pool threads at exit: the process used to hang instead of exiting 1)."""
    script = (
        "import threading\n"
        "from mailer.commands.serve import _exit_now_if_threads_linger\n"
        "threading.Thread(target=threading.Event().wait).start()\n"
        "_exit_now_if_threads_linger(1)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], timeout=20, capture_output=True)
    assert done.returncode == 1, done.stderr


def test_the_watch_preset_polls_a_directory_and_delivers_what_arrives(
    config: Path, tmp_path: Path
) -> None:
    """`mailer watch` is the service with the WATCH preset: a directory without `poll:`
    is polled every `default_poll` seconds (a minute; here a fifth of a second)."""
    assert (WATCH.timings.default_poll, SERVE.timings.default_poll) == (60.0, None)
    timings = dataclasses.replace(FAST, default_poll=0.2)
    run = Running(Service(load_settings(config, {}), preset=WATCH, timings=timings))
    try:
        wait_for("the start-up fetch", lambda: len(list((tmp_path / "out").glob("*.eml"))) == 1)
        later = ("2510.00002", "Small language models", "A language model, again.")
        (tmp_path / "inbox" / "2.eml").write_bytes(digest_email("d2", _now(), [later]))
        wait_for("the next poll", lambda: len(list((tmp_path / "out").glob("*.eml"))) == 2)
    finally:
        assert run.stop() < 5
    assert run.error is None


class StoppedWatcher(DyingWatcher):
    """A watcher that stopped just now: the WATCH preset does not wait to restart it."""

    def status(self) -> WatchStatus:
        return WatchStatus(self.name, "stopped", _now(), last_error="watcher stopped: boom")


def test_with_the_watch_preset_a_dead_watcher_stops_the_service(tmp_path: Path) -> None:
    config = write_config(tmp_path, [RULE])
    data = yaml.safe_load(config.read_text())
    data["sources"].append(
        {"name": "mail", "kind": "imap", "host": "127.0.0.1", "port": 1, "username": "u"}
    )
    config.write_text(yaml.safe_dump(data))
    settings = load_settings(config, {})
    service = Service(settings, watcher_factory=StoppedWatcher, preset=WATCH, timings=FAST)
    run = Running(service)
    run.thread.join(timeout=15)
    assert isinstance(run.error, ServiceFailure)
    assert str(run.error) == "source mail: watcher stopped: boom; exiting"
