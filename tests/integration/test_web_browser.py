"""The pages in a real browser (headless Chromium from Debian, driven by Selenium)
against `mailer serve --http` as a user runs it, fed by a real Dovecot with IDLE:
edit a rule with a live check and preview, save it, and see the service use it;
search the papers page."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import require_server
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from .dovecot import PASSWORD, DovecotServer, free_port, start_dovecot
from .test_serve import served_config_head

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
INBOX = ROOT / "examples" / "inbox"
CHROMEDRIVER = "/usr/bin/chromedriver"
WAIT = 20


def wait_for(what: str, check: Callable[[], object], timeout: float = WAIT) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


class Site:
    def __init__(self, workdir: Path, port: int, process: subprocess.Popen[bytes]) -> None:
        self.workdir = workdir
        self.base = f"http://127.0.0.1:{port}"
        self.process = process

    def get_json(self, path: str) -> dict[str, Any]:
        try:
            with urllib.request.urlopen(self.base + path, timeout=5) as reply:
                return dict(json.load(reply))
        except OSError:
            return {}

    def alerts_of(self, query: str) -> list[str]:
        papers = self.get_json(f"/api/papers?q={query}").get("papers", [])
        return [a["rule"] for p in papers for a in p["alerts"]]

    def log(self) -> str:
        return (self.workdir / "serve.log").read_text(errors="replace")


@pytest.fixture(scope="module")
def mailbox() -> Iterator[DovecotServer]:
    directory = Path(tempfile.mkdtemp(prefix="mailer-web-"))
    directory.chmod(0o755)
    server = start_dovecot(directory)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="module")
def site(mailbox: DovecotServer) -> Iterator[Site]:
    workdir = Path(tempfile.mkdtemp(prefix="mailer-web-work-"))
    shutil.copytree(ROOT / "rules", workdir / "rules")
    config = workdir / "mailer.yaml"
    config.write_text(
        f"""\
{served_config_head(workdir, mailbox)}
destinations:
  console: {{kind: console}}
  preview: {{kind: file, path: {workdir}/var/out}}
"""
    )
    for name in sorted(os.listdir(INBOX)):
        if not name.startswith("05-"):  # kept for after the rule is saved
            mailbox.append((INBOX / name).read_bytes())
    port = free_port()
    env = {**os.environ, "TEST_IMAP_PASSWORD": PASSWORD, "PYTHONPATH": str(ROOT)}
    with (workdir / "serve.log").open("wb") as log:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "mailer", "serve"),
                *("--config", str(config), "--http", f"127.0.0.1:{port}"),
            ],
            cwd=workdir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    served = Site(workdir, port, process)
    try:
        wait_for("the papers of the start-up fetch", lambda: served.alerts_of("TinyLlama"), 60)
        yield served
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="module")
def driver() -> Iterator[WebDriver]:
    if not Path(CHROMEDRIVER).exists():
        require_server("chromium-driver is not installed: apt-get install chromium chromium-driver")
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--window-size=1400,1000"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


def test_edit_a_rule_see_errors_and_preview_save_and_the_service_uses_it(
    site: Site, driver: WebDriver, mailbox: DovecotServer
) -> None:
    wait = WebDriverWait(driver, WAIT)
    driver.get(site.base + "/rules?file=team.yaml")
    wait.until(ec.presence_of_element_located((By.ID, "matches")))
    original = (site.workdir / "rules" / "team.yaml").read_text()
    assert original.endswith("\n")
    start = len(original.splitlines())
    editor = driver.find_element(By.ID, "yaml")
    editor.send_keys(Keys.CONTROL, Keys.END)

    broken = "  - name: watch-list\n    match:\n      anyy: [TinyLlama, Gemma]\n"
    editor.send_keys(broken)
    error = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#errors li")))
    assert error.get_attribute("data-line") == str(start + 3)
    assert "unknown key 'anyy'" in error.text
    assert f"line {start + 3}," in error.text
    marked = driver.find_elements(By.CSS_SELECTOR, "#gutter .line.bad")
    assert [m.text for m in marked] == [str(start + 3)]
    assert not driver.find_element(By.ID, "save").is_enabled()

    editor.send_keys(Keys.BACKSPACE * len("anyy: [TinyLlama, Gemma]\n"))
    editor.send_keys("any: [TinyLlama, Gemma]\n    notify: [{to: preview}]\n")
    added = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "table.added")))
    assert "watch-list" in added.text  # from the papers stored from examples/inbox
    assert "TinyLlama: An Open-Source Small Language Model" in added.text
    assert "Gemma" not in added.text  # only in the newsletter still to come
    assert not driver.find_elements(By.CSS_SELECTOR, "#errors li")
    assert "watch-list" in driver.find_element(By.CSS_SELECTOR, "table.per-rule").text

    save = driver.find_element(By.ID, "save")
    wait.until(lambda _: save.is_enabled())
    save.click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "save-status"), "Saved team.yaml"))
    saved = (site.workdir / "rules" / "team.yaml").read_text()
    assert "watch-list" in saved
    assert (site.workdir / "rules" / "team.yaml.previous").read_text() == original

    wait_for("the service to reload the rules", lambda: "rules reloaded" in site.log())
    mailbox.append((INBOX / "05-fwd-hf-daily-papers-2024-11-08.eml").read_bytes())  # Gemma 2
    try:
        wait_for("an alert of the new rule", lambda: "watch-list" in site.alerts_of("Gemma"))
    except AssertionError as e:
        raise AssertionError(f"{e}\n{site.log()[-4000:]}") from None


def test_search_the_papers_page(site: Site, driver: WebDriver) -> None:
    wait = WebDriverWait(driver, WAIT)
    driver.get(site.base + "/papers")
    box = wait.until(ec.presence_of_element_located((By.NAME, "q")))
    box.send_keys("LoRA\n")
    wait.until(ec.url_contains("q=LoRA"))
    titles = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "li.paper .title")]
    assert "LoRA: Low-Rank Adaptation of Large Language Models" in titles
    assert all("lora" in t.lower() or "low-rank" in t.lower() for t in titles[:1])
    first = driver.find_element(By.CSS_SELECTOR, "li.paper")
    assert "Listed by:" in first.text
    assert "arXiv" in first.text
    driver.find_element(By.NAME, "size_max").send_keys("13B\n")
    wait.until(ec.url_contains("size_max=13B"))
    narrowed = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "li.paper .title")]
    assert "LoRA: Low-Rank Adaptation of Large Language Models" not in narrowed  # 175B
    assert set(narrowed) < set(titles)
