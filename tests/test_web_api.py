"""POST /api/preview, GET /api/papers, saving a rule file and retrying from the pages,
through the ASGI app (Starlette's TestClient) over papers stored from examples/inbox."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from web_kit import client_for, csrf, make_site

from mailer.config.settings import Settings
from mailer.core.keys import BatchKey
from mailer.core.models import MatchReason, MessageStatus, Paper
from mailer.store import MessageRecord, NewAlert, Store

LORA_RULE = """\
version: 1
rules:
  - name: lora
    match:
      any: [LoRA, QLoRA]
    notify: [{to: console}]
"""


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_site(tmp_path)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    yield from client_for(settings)


def test_preview_lists_matches_with_reasons_and_counts(client: TestClient) -> None:
    reply = client.post("/api/preview", json={"yaml": LORA_RULE, "days": 7})
    assert reply.status_code == 200
    body = reply.json()
    assert body["errors"] == []
    titles = {m["title"] for m in body["matches"]}
    assert "LoRA: Low-Rank Adaptation of Large Language Models" in titles
    assert "QLoRA: Efficient Finetuning of Quantized LLMs" in titles
    first = body["matches"][0]
    assert set(first) >= {"rule", "paper_id", "title", "reasons"}
    assert first["rule"] == "lora"
    assert first["reasons"]
    assert first["paper_id"].startswith("arxiv:")
    assert body["per_rule"] == {"lora": len(body["matches"])}
    assert body["per_destination"] == {"console": len(body["matches"])}


def test_preview_of_a_broken_file_answers_errors_at_their_line_instead_of_matches(
    client: TestClient,
) -> None:
    broken = LORA_RULE.replace("any:", "anyy:") + "  - name: lora\n    match: {any: [x]}\n"
    body = client.post("/api/preview", json={"yaml": broken}).json()
    assert body["matches"] == []
    assert body["errors"][0] == {
        "line": 5,
        "column": 7,
        "message": "rule 'lora': unknown key 'anyy'; did you mean 'any'?",
    }
    assert any("name already used" in e["message"] for e in body["errors"])
    bad_yaml = client.post("/api/preview", json={"yaml": "version: 1\nrules: [\n"}).json()
    assert bad_yaml["matches"] == []
    assert bad_yaml["errors"][0]["line"] >= 2


def test_preview_refuses_a_body_announced_over_the_cap_without_reading_it(
    client: TestClient,
) -> None:
    reply = client.post(
        "/api/preview",
        content=b"{}",
        headers={"Content-Type": "application/json", "Content-Length": "999999999"},
    )
    assert reply.status_code == 413
    assert "too large" in reply.json()["error"]


def test_preview_wants_json_so_another_site_cannot_make_it_work(client: TestClient) -> None:
    """A page elsewhere can send a text/plain POST to 127.0.0.1 without a CORS preflight
    (and cannot read the answer, but the preview runs); it cannot send application/json."""
    body = '{"yaml": "version: 1\\nrules: []\\n", "days": 3660}'
    plain = client.post("/api/preview", content=body, headers={"Content-Type": "text/plain"})
    assert plain.status_code == 415
    assert "application/json" in plain.json()["error"]
    sent = client.post("/api/preview", content=body, headers={"Content-Type": "application/json"})
    assert sent.status_code == 200


def test_preview_of_an_edit_compares_with_the_saved_file(
    client: TestClient, settings: Settings
) -> None:
    team = (settings.rules[0] / "team.yaml").read_text()
    edited = team.replace("- name: lora-under-13b", "- name: lora-any-size").replace(
        "size: {max: 13B, unknown: include}", ""
    )
    body = client.post("/api/preview", json={"yaml": edited, "file": "team.yaml"}).json()
    assert body["errors"] == []
    assert {m["rule"] for m in body["added"]} == {"lora-any-size"}
    assert {m["rule"] for m in body["dropped"]} == {"lora-under-13b"}
    assert "LoRA: Low-Rank Adaptation of Large Language Models" in {
        m["title"] for m in body["added"]
    }  # 175B: outside "under 13B"
    same = client.post("/api/preview", json={"yaml": team, "file": "team.yaml"}).json()
    assert same["added"] == []
    assert same["dropped"] == []
    assert same["matches"]


def test_preview_names_a_rule_already_defined_in_another_file(client: TestClient) -> None:
    text = LORA_RULE.replace("name: lora", "name: small-models")
    body = client.post("/api/preview", json={"yaml": text, "file": "alice.yaml"}).json()
    assert "name already used" in body["errors"][0]["message"]


def test_preview_refuses_what_is_not_a_request(client: TestClient) -> None:
    as_json = {"Content-Type": "application/json"}
    assert client.post("/api/preview", content=b"not json", headers=as_json).status_code == 400
    assert client.post("/api/preview", json={"days": 7}).status_code == 400
    assert client.post("/api/preview", json={"yaml": "", "days": 0}).status_code == 400
    assert client.post("/api/preview", json={"yaml": "", "file": "../x"}).status_code == 400


def test_search_api_finds_papers_with_links_newsletters_and_alerts(client: TestClient) -> None:
    body = client.get("/api/papers", params={"q": "LoRA"}).json()
    titles = [p["title"] for p in body["papers"]]
    assert "LoRA: Low-Rank Adaptation of Large Language Models" in titles
    lora = next(p for p in body["papers"] if p["title"].startswith("LoRA:"))
    assert lora["id"] == "arxiv:2106.09685"
    assert {"label": "arXiv", "url": "https://arxiv.org/abs/2106.09685"} in lora["links"]
    assert lora["newsletters"]
    assert lora["newsletters"][0]["newsletter"]
    qlora = next(p for p in body["papers"] if p["title"].startswith("QLoRA"))
    assert {a["rule"] for a in qlora["alerts"]} >= {"alice-followed-authors"}


def test_search_filters_by_size_format_upvotes_and_date(client: TestClient) -> None:
    def titles(**params: str) -> list[str]:
        reply = client.get("/api/papers", params=params)
        assert reply.status_code == 200, reply.text
        return [p["title"] for p in reply.json()["papers"]]

    everything = titles(limit="500")
    assert len(everything) > 10
    small = titles(size_max="8B")
    assert small
    assert "LoRA: Low-Rank Adaptation of Large Language Models" not in small
    big = titles(size_min="70B")
    assert "LoRA: Low-Rank Adaptation of Large Language Models" in big
    tiny = "TinyLlama: An Open-Source Small Language Model"  # 1.1B
    assert tiny in small
    assert tiny not in big
    assert set(titles(format="arxiv-listing", limit="500")) < set(everything)
    popular = client.get("/api/papers", params={"min_upvotes": "200"}).json()["papers"]
    assert popular
    assert all(p["upvotes"] >= 200 for p in popular)
    assert titles(until="2000-01-01") == []
    assert client.get("/api/papers", params={"size_max": "huge"}).status_code == 400
    assert client.get("/api/papers", params={"format": "<b>"}).status_code == 400


def test_save_writes_a_valid_file_keeps_the_previous_and_refuses_a_broken_one(
    client: TestClient, settings: Settings
) -> None:
    path = settings.rules[0] / "alice.yaml"
    before = path.read_text()
    token = csrf(client)
    headers = {"X-CSRF-Token": token}
    broken = client.post(
        "/api/rules/save", json={"file": "alice.yaml", "yaml": "rules: 3"}, headers=headers
    )
    assert broken.status_code == 422
    assert broken.json()["errors"]
    assert path.read_text() == before
    saved = client.post(
        "/api/rules/save", json={"file": "alice.yaml", "yaml": LORA_RULE}, headers=headers
    )
    assert saved.status_code == 200
    assert saved.json()["saved"]
    assert path.read_text() == LORA_RULE
    assert (path.parent / "alice.yaml.previous").read_text() == before
    stale = client.post(
        "/api/rules/save",
        json={"file": "alice.yaml", "yaml": LORA_RULE, "loaded": "0" * 64},
        headers=headers,
    )
    assert stale.status_code == 409
    assert "changed on disk" in stale.json()["error"]


def test_writes_without_the_csrf_token_are_refused(client: TestClient, settings: Settings) -> None:
    path = settings.rules[0] / "alice.yaml"
    before = path.read_text()
    csrf(client)
    reply = client.post("/api/rules/save", json={"file": "alice.yaml", "yaml": LORA_RULE})
    assert reply.status_code == 403
    assert "CSRF" in reply.json()["error"]
    forged = client.post(
        "/api/rules/save",
        json={"file": "alice.yaml", "yaml": LORA_RULE},
        headers={"X-CSRF-Token": client.cookies["mailer_csrf"], "Origin": "https://evil.test"},
    )
    assert forged.status_code == 403
    assert client.post("/outbox/retry", data={"all": "1"}).status_code == 403
    assert path.read_text() == before


def test_retry_button_requeues_a_dead_alert(client: TestClient, settings: Settings) -> None:
    store = Store.open(settings.state)
    try:
        paper = Paper(id="arxiv:2501.00001", title="Dead alert paper", format="generic")
        why = (MatchReason("term", "*x* in title"),)
        message = MessageRecord("x", "INBOX", 1, "1", MessageStatus.PARSED, datetime.now(UTC))
        store.record_message(
            message,
            [paper],
            [
                NewAlert(
                    "r", paper.id, "console", BatchKey.for_message("m"), message.processed_at, why
                )
            ],
        )
        (entry,) = [e for e in store.list_outbox() if e.paper_id == paper.id]
        store.mark_dead([entry.id], "channel_not_found")
        page = client.get("/outbox").text
        assert "channel_not_found" in page
        assert "Retry" in page
        reply = client.post("/outbox/retry", data={"id": str(entry.id), "csrf_token": csrf(client)})
        assert reply.status_code == 200
        assert "Requeued 1 dead alert" in reply.text
        assert [e.state for e in store.list_outbox() if e.id == entry.id] == ["pending"]
    finally:
        store.close()


def test_user_text_is_escaped_on_every_page(client: TestClient, settings: Settings) -> None:
    store = Store.open(settings.state)
    evil = '<script>alert("x")</script>'
    try:
        paper = Paper(id="title:evil", title=f"Evil {evil}", format="generic", abstract=evil)
        message = MessageRecord(
            "x", "INBOX", 1, "2", MessageStatus.PARSED, datetime.now(UTC), subject=evil
        )
        store.record_message(message, [paper], [])
    finally:
        store.close()
    for path in ("/papers?q=evil", "/papers", "/status", "/rules"):
        page = client.get(path).text
        assert "<script>alert" not in page
    assert "&lt;script&gt;alert(" in client.get("/papers?q=evil").text


def test_read_only_hides_editing_and_refuses_writes(tmp_path: Path) -> None:
    settings = make_site(tmp_path, "web: {read_only: true}\n")
    for client in client_for(settings):
        page = client.get("/rules").text
        assert 'id="save"' not in page
        assert "readonly" in page
        assert "read-only" in page
        token = csrf(client)
        reply = client.post(
            "/api/rules/save",
            json={"file": "alice.yaml", "yaml": LORA_RULE},
            headers={"X-CSRF-Token": token},
        )
        assert reply.status_code == 403
        assert client.post("/api/preview", json={"yaml": LORA_RULE}).status_code == 200


def test_a_file_the_checker_chokes_on_is_an_error_not_a_failed_page(client: TestClient) -> None:
    reply = client.post("/api/preview", json={"yaml": "rules:\n- match: {fields: 1}\n"})
    assert reply.status_code == 200
    body = reply.json()
    assert body["matches"] == []
    assert body["errors"]


def test_the_rules_page_shows_slack_subscriptions_read_only_with_their_owner(
    client: TestClient, settings: Settings
) -> None:
    from mailer.store.subscriptions import Subscription, SubscriptionStore

    when = datetime(2024, 11, 7, tzinfo=UTC)
    store = Store.open(settings.state)
    try:
        SubscriptionStore(store.engine).add(
            Subscription(
                rule_name="slack/U0ALICE/lora",
                team="T0",
                owner="U0ALICE",
                name="lora",
                target="slack_user:U0ALICE",
                rule_text='LoRA size<=13B "<b>x</b>"',
                mode="immediate",
                at=None,
                timezone="UTC",
                paused=False,
                created_at=when,
                changed_at=when,
                changed_by="U0ALICE",
            )
        )
    finally:
        store.close()
    page = client.get("/rules").text
    assert "Slack subscriptions" in page
    assert "slack/U0ALICE/lora" in page
    assert "owner U0ALICE" in page
    assert "slack_user:U0ALICE" in page
    assert "LoRA size&lt;=13B &#34;&lt;b&gt;x&lt;/b&gt;&#34;" in page, "escaped"


def test_preview_refuses_yaml_whose_aliases_multiply_it_instead_of_spinning(
    client: TestClient,
) -> None:
    """A 'billion laughs' rule file: each line ten aliases of the one before. Checking
    it took time growing tenfold per line (0.8 s at 360 bytes, 8 s at 410: a pinned
    CPU, /healthz failing soon after); it is refused at once, as an error at line 1."""
    lines = ["version: 1", "x0: &x0 [LoRA, LoRA, LoRA, LoRA, LoRA, LoRA, LoRA, LoRA, LoRA, LoRA]"]
    lines += [f"x{i}: &x{i} [{', '.join([f'*x{i - 1}'] * 10)}]" for i in range(1, 5)]
    lines += ["rules:", "  - {name: a, match: {any: *x4}, notify: [{to: console}]}"]
    reply = client.post("/api/preview", json={"yaml": "\n".join(lines) + "\n"})
    [error] = reply.json()["errors"]
    assert error["line"] == 1
    assert "aliases (*name) expand" in error["message"]
    shared = (
        "version: 1\nrules:\n  - {name: a, match: {any: &w [LoRA]}, notify: &n [{to: console}]}\n"
    )
    shared += "  - {name: b, match: {any: *w}, notify: *n}\n"
    assert client.post("/api/preview", json={"yaml": shared}).json()["errors"] == [], "aliases ok"
