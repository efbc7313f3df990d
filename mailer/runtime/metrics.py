"""Prometheus metrics, all named mailer_*. Shell code increments them; /metrics serves them.

They live in one registry (not the global default) so tests and several pipelines in
one process don't collide, and so `/metrics` shows only the product's own series
plus the process collector.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, ProcessCollector

REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)

EMAILS_FETCHED = Counter(
    "mailer_emails_fetched", "Emails fetched from a source", ["source"], registry=REGISTRY
)
PAPERS_PARSED = Counter(
    "mailer_papers_parsed", "Papers parsed from digests", ["source", "format"], registry=REGISTRY
)
PARSE_FAILURES = Counter(
    "mailer_parse_failures",
    "Emails that failed to parse or yielded no papers",
    ["source"],
    registry=REGISTRY,
)
MATCHES = Counter("mailer_matches", "Rule matches", ["rule"], registry=REGISTRY)
ALERTS_SENT = Counter("mailer_alerts_sent", "Alerts delivered", ["destination"], registry=REGISTRY)
ALERTS_FAILED = Counter(
    "mailer_alerts_failed",
    "Delivery attempts that failed and will be retried",
    ["destination"],
    registry=REGISTRY,
)
ALERTS_DEAD = Counter(
    "mailer_alerts_dead",
    "Alerts given up on (permanent error or too many attempts)",
    ["destination"],
    registry=REGISTRY,
)
OUTBOX_DEPTH = Gauge(
    "mailer_outbox_depth", "Alerts in the outbox by state", ["state"], registry=REGISTRY
)
LAST_FETCH_SUCCESS = Gauge(
    "mailer_last_fetch_success_timestamp_seconds",
    "Unix time of the latest successful fetch per source",
    ["source"],
    registry=REGISTRY,
)
IMAP_RECONNECTS = Counter(
    "mailer_imap_reconnects", "IMAP reconnections after an error", ["source"], registry=REGISTRY
)
ENRICH_REQUESTS = Counter(
    "mailer_enrich_requests",
    "Requests to arXiv / Hugging Face for canonical records",
    ["api"],
    registry=REGISTRY,
)
ENRICH_UNAVAILABLE = Counter(
    "mailer_enrich_unavailable",
    "Digests whose papers went with the email's data because an API did not answer",
    ["api"],
    registry=REGISTRY,
)
RELOAD_OK = Gauge(
    "mailer_reload_ok",
    "1 while the running config or rules are what the files say; 0 after an edit with "
    "errors (the service keeps the previous ones; `mailer status` shows where)",
    ["what"],  # config, rules
    registry=REGISTRY,
)
REPLICA_ROLE = Gauge(
    "mailer_replica_role",
    "1 for this replica's current role (leader: fetches and schedules; standby)",
    ["role"],
    registry=REGISTRY,
)
LEADERSHIP_CHANGES = Counter(
    "mailer_leadership_changes",
    "Times this replica became the leader or stepped down",
    ["to"],
    registry=REGISTRY,
)
