"""Every interval the long-running service lives by, in one place.

`mailer serve` and `mailer watch` (a preset of the same service, `mailer.runtime.service`)
take a `Timings`; tests pass short ones (`Timings.for_tests()`) instead of sleeping on
module constants. What a user tunes per deployment stays in the config
(`delivery.lease_seconds`, `delivery.stuck_seconds`, `replicas.heartbeat_seconds`,
a source's `poll:`, `sweep_seconds` and `idle_renew_seconds`); what is here is how
often the service looks at itself.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Timings:
    """Seconds, unless the name says otherwise."""

    # -- the scheduler (`mailer.runtime.scheduler`) -------------------------------------------
    outbox: float = 20.0  # the outbox worker looks for due alerts
    reload: float = 3.0  # rule and config files are checked for changes
    silence: float = 300.0  # silent sources and failing destinations are checked
    misfire_grace: int = 6 * 3600  # a job missed while the machine slept still runs, once
    # sources without `poll:` and without a watcher: polled this often; None: on the
    # default cron schedule (`mailer.runtime.scheduler.DEFAULT_POLL`, every 10 minutes)
    default_poll: float | None = None
    # -- supervision (`mailer.runtime.service`) -----------------------------------------------
    supervise: float = 5.0  # the main loop checks the scheduler, watchers and the role
    stop: float = 8.0  # of the 10 s promised to stop: the rest is for closing connections
    lock_check: float = 15.0  # the SQLite instance lock is verified
    watch_status: float = 10.0  # a watcher that cannot connect gets its error recorded
    watcher_restart: float = 30.0  # a watcher that keeps dying is restarted this often
    gone_replicas: float = 30.0  # the leader hands back the outbox claims of gone replicas
    sole_heartbeat: float = 10.0  # SQLite: nobody to hand over to, so no hurry
    # /healthz: an ingest is stuck after the parse budget (`budget.seconds`) plus this
    # (a delivery after `delivery.stuck_seconds`, in the config)
    ingest_stuck_margin: float = 60.0
    # -- watchers (`mailer.sources.imap_idle`) ---------------------------------------
    stop_check: float = 1.0  # a watcher notices stop() within this
    max_backoff: float = 60.0  # reconnect attempts back off up to this

    @classmethod
    def for_tests(cls) -> Timings:
        """Everything a service test may wait for, within a second: the same service,
        only impatient."""
        return cls(
            outbox=0.5,
            reload=0.2,
            silence=1.0,
            supervise=0.1,
            stop=4.0,
            lock_check=0.5,
            watch_status=0.2,
            watcher_restart=0.5,
            gone_replicas=1.0,
            sole_heartbeat=0.5,
            stop_check=0.2,
            max_backoff=2.0,
        )


SERVICE = Timings()
