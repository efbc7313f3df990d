#!/usr/bin/env python3
"""Screenshots of the rules and papers pages for docs/ (docs/web-rules.png,
docs/web-rules-error.png, docs/web-papers.png), taken in headless Chromium from a copy of the default config
after `mailer run --once` over examples/inbox.

    python scripts/web_screenshots.py            # needs chromium + chromium-driver
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the pages did not come up at {url}")


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="mailer-shots-"))
    for name in ("config", "rules", "examples"):
        shutil.copytree(ROOT / name, work / name)
    mailer = [sys.executable, "-m", "mailer"]
    subprocess.run([*mailer, "run", "--once"], cwd=work, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen(
        [*mailer, "web", "--listen", f"127.0.0.1:{port}"],
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--window-size=1400,1000"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base + "/healthz")
        driver.get(base + "/rules?file=team.yaml")
        wait = WebDriverWait(driver, 15)
        wait.until(ec.presence_of_element_located((By.ID, "matches")))
        editor = driver.find_element(By.ID, "yaml")
        editor.send_keys(Keys.CONTROL, Keys.END)
        editor.send_keys("  - name: tiny-models\n    match: {any: [TinyLlama, SmolLM]}\n")
        editor.send_keys("    notify: [{to: console}]\n")
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "table.added")))
        driver.execute_script("arguments[0].scrollTop = arguments[0].scrollHeight", editor)
        driver.save_screenshot(str(DOCS / "web-rules.png"))
        editor.send_keys(Keys.ARROW_UP * 2, Keys.END, Keys.BACKSPACE * 3, "[x]}} ")
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#errors li")))
        driver.execute_script("arguments[0].scrollTop = arguments[0].scrollHeight", editor)
        driver.save_screenshot(str(DOCS / "web-rules-error.png"))
        driver.get(base + "/papers?q=language+model&size_max=13B")
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "li.paper")))
        driver.save_screenshot(str(DOCS / "web-papers.png"))
    finally:
        driver.quit()
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
    print(f"wrote web-rules.png, web-rules-error.png and web-papers.png in {DOCS}")


if __name__ == "__main__":
    main()
