"""Who may use the pages: loopback needs no login; any other address refuses to start
without a token or a trusted proxy header; tokens, the login form and its cookie."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient
from web_kit import client_for, make_site

from mailer.cli import cli
from mailer.config.settings import ConfigError, Settings, load_settings
from mailer.runtime.health import HealthReport, HealthServer
from mailer.web.serving import pages_for

TOKEN = "s3cret-token-for-tests"


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_a_non_loopback_address_without_a_login_refuses_to_start(tmp_path: Path) -> None:
    settings = make_site(tmp_path)
    with pytest.raises(ConfigError, match="token_env"):
        pages_for("0.0.0.0", lambda: settings)
    with pytest.raises(ConfigError, match="not a loopback address"):
        pages_for("192.168.1.20", lambda: settings)
    assert pages_for("127.0.0.1", lambda: settings) is not None
    assert pages_for("::1", lambda: settings) is not None


def test_mailer_serve_on_a_non_loopback_address_exits_2_and_says_what_to_set(
    tmp_path: Path,
) -> None:
    make_site(tmp_path)
    result = CliRunner().invoke(
        cli, ["serve", "--config", str(tmp_path / "mailer.yaml"), "--http", "0.0.0.0:0"]
    )
    assert result.exit_code == 2, result.output
    assert "web: {token_env: MAILER_WEB_TOKEN}" in result.output
    assert "trust_proxy_header" in result.output


def test_a_token_guards_the_pages_on_a_non_loopback_bind_but_not_the_health_check(
    tmp_path: Path,
) -> None:
    environ = {"MAILER_WEB_TOKEN": TOKEN}
    make_site(tmp_path, "web: {token_env: MAILER_WEB_TOKEN}\n", environ)
    settings = load_settings(tmp_path / "mailer.yaml", environ)
    ui = pages_for("0.0.0.0", lambda: settings)
    server = HealthServer("0.0.0.0", 0, lambda: HealthReport(True, ()), ui=ui)
    server.start()
    try:
        base = f"http://127.0.0.1:{server.address[1]}"
        status, body = fetch(base + "/api/papers?q=LoRA")
        assert status == 401
        assert "Bearer" in body
        assert fetch(base + "/api/papers?q=LoRA", {"Authorization": "Bearer wrong"})[0] == 401
        status, body = fetch(base + "/api/papers?q=LoRA", {"Authorization": f"Bearer {TOKEN}"})
        assert status == 200
        assert json.loads(body)["papers"]
        assert fetch(base + "/healthz")[0] == 200  # probes need no token
        assert fetch(base + "/metrics")[0] == 200
    finally:
        server.stop()
        assert ui is not None
        ui.close()


def test_the_login_form_sets_a_secure_session_cookie(tmp_path: Path) -> None:
    environ = {"MAILER_WEB_TOKEN": TOKEN}
    make_site(tmp_path, "web: {token_env: MAILER_WEB_TOKEN}\n", environ)
    settings = load_settings(tmp_path / "mailer.yaml", environ)
    for client in client_for(settings, host="0.0.0.0"):
        page = client.get("/rules", headers={"Accept": "text/html"}, follow_redirects=False)
        assert page.status_code == 303
        assert page.headers["location"].startswith("/login")
        form = client.get("/login")
        assert form.status_code == 200
        token = client.cookies["mailer_csrf"]
        wrong = client.post("/login", data={"token": "nope", "csrf_token": token})
        assert wrong.status_code == 401
        assert "mailer_session" not in client.cookies
        reply = client.post(
            "/login",
            data={"token": TOKEN, "csrf_token": token, "next": "https://evil.test/"},
            headers={"X-Forwarded-Proto": "https"},
            follow_redirects=False,
        )
        assert reply.status_code == 303
        assert reply.headers["location"] == "/rules"
        cookie = reply.headers["set-cookie"]
        assert "mailer_session=" in cookie
        assert TOKEN not in cookie
        assert "HttpOnly" in cookie
        assert "Secure" in cookie
        assert "SameSite=strict" in cookie
        client.cookies.set("mailer_session", cookie.split(";")[0].split("=", 1)[1])
        assert client.get("/rules").status_code == 200


def test_behind_a_proxy_the_header_it_sets_is_required(tmp_path: Path) -> None:
    settings = make_site(tmp_path, "web: {trust_proxy_header: X-Forwarded-User}\n")
    for client in client_for(settings, host="0.0.0.0"):
        assert client.get("/papers").status_code == 401
        assert client.get("/papers", headers={"X-Forwarded-User": "alice"}).status_code == 200


def test_pages_false_serves_only_health_on_any_address(tmp_path: Path) -> None:
    settings: Settings = make_site(tmp_path, "web: {pages: false}\n")
    assert pages_for("0.0.0.0", lambda: settings) is None


def test_loopback_needs_no_login(tmp_path: Path) -> None:
    settings = make_site(tmp_path)
    client: TestClient
    for client in client_for(settings):
        assert client.get("/papers").status_code == 200
        assert client.get("/api/papers").status_code == 200


def test_on_loopback_a_foreign_host_name_is_refused_against_dns_rebinding(tmp_path: Path) -> None:
    """A page from evil.example that re-points its name at 127.0.0.1 sends
    `Host: evil.example`: with no login on loopback, only the Host header tells."""
    settings = make_site(tmp_path)
    client: TestClient
    for client in client_for(settings):
        rebound = {"Host": "evil.example:9465"}
        assert client.get("/api/papers", headers=rebound).status_code == 403
        assert client.post("/api/rules/save", json={}, headers=rebound).status_code == 403
        for host in ("localhost:9465", "127.0.0.1:9465", "[::1]:9465", "127.0.0.1"):
            assert client.get("/api/papers", headers={"Host": host}).status_code == 200
        assert client.get("/healthz", headers=rebound).status_code == 200, "probes unaffected"


def test_wrong_tokens_from_one_address_are_throttled_with_429(tmp_path: Path) -> None:
    """Ten wrong tokens in a minute (login form or bearer) and the address gets 429
    without its token being compared, even the right one, until the minute is over."""
    environ = {"MAILER_WEB_TOKEN": TOKEN}
    make_site(tmp_path, "web: {token_env: MAILER_WEB_TOKEN}\n", environ)
    settings = load_settings(tmp_path / "mailer.yaml", environ)
    for client in client_for(settings, host="0.0.0.0"):
        client.get("/login")
        csrf_token = client.cookies["mailer_csrf"]
        for guess in range(5):
            wrong = client.post("/login", data={"token": f"guess{guess}", "csrf_token": csrf_token})
            assert wrong.status_code == 401
        for guess in range(5):
            bad = {"Authorization": f"Bearer guess{guess}"}
            assert client.get("/api/papers", headers=bad).status_code == 401
        right = {"Authorization": f"Bearer {TOKEN}"}
        assert client.get("/api/papers", headers=right).status_code == 429
        login = client.post("/login", data={"token": TOKEN, "csrf_token": csrf_token})
        assert login.status_code == 429
        assert login.headers["Retry-After"] == "60"
        assert client.get("/healthz").status_code == 200, "probes unaffected"


def test_a_stale_session_cookie_does_not_lock_its_browser_out(tmp_path: Path) -> None:
    environ = {"MAILER_WEB_TOKEN": TOKEN}
    make_site(tmp_path, "web: {token_env: MAILER_WEB_TOKEN}\n", environ)
    settings = load_settings(tmp_path / "mailer.yaml", environ)
    for client in client_for(settings, host="0.0.0.0"):
        client.cookies.set("mailer_session", "from-before-the-token-changed")
        for _ in range(15):
            assert client.get("/rules", follow_redirects=False).status_code == 401
        client.get("/login")
        login = {"token": TOKEN, "csrf_token": client.cookies["mailer_csrf"]}
        assert client.post("/login", data=login, follow_redirects=False).status_code == 303


def test_the_login_form_refuses_a_huge_body_unread(tmp_path: Path) -> None:
    """/login is open to anyone; Starlette's form parser would keep any amount of field
    data, so the body is capped before it is parsed."""
    environ = {"MAILER_WEB_TOKEN": TOKEN}
    make_site(tmp_path, "web: {token_env: MAILER_WEB_TOKEN}\n", environ)
    settings = load_settings(tmp_path / "mailer.yaml", environ)
    for client in client_for(settings, host="0.0.0.0"):
        client.get("/login")
        huge = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Content-Length": "999999999",
        }
        assert client.post("/login", content=b"token=x", headers=huge).status_code == 413
        fields = "&".join(f"f{i}=x" for i in range(50))
        plain = {"Content-Type": "application/x-www-form-urlencoded"}
        assert client.post("/login", content=fields, headers=plain).status_code == 413
        login = {"token": TOKEN, "csrf_token": client.cookies["mailer_csrf"]}
        assert client.post("/login", data=login, follow_redirects=False).status_code == 303
