"""The explorer in a real browser: `infosim app` in a subprocess, Debian's Chromium driven by
Playwright, with every request off this machine refused and recorded (the page must render from
local assets alone). Moves a lever, resets, steps, runs to a month, checks a chart changed, and
switches scenario in a second tab. Set INFOSIM_UPDATE_FIGURES=1 to refresh docs/figures/app.png.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
TIMEOUT_MS = 90_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`infosim app` on a free local port, started from a folder outside the repository."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing (.ci/run installs Debian's chromium)")
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium")
    folder = tmp_path_factory.mktemp("app")
    port = _free_port()
    log = (folder / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "infosim.interfaces.cli", "app", "--port", str(port)],
        cwd=folder, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    while True:
        if proc.poll() is not None:
            pytest.fail(f"infosim app exited with {proc.returncode}:\n{(folder / 'server.log').read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"infosim app did not answer on {url}:\n{(folder / 'server.log').read_text()}")
        time.sleep(0.5)
    yield url, folder / "server.log"
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    log.close()


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Traffic:
    """Every request the page makes; non-local ones are refused (as on a closed network)."""

    def __init__(self, context) -> None:
        self.requests: list[str] = []
        self.outside: list[str] = []
        self.failed: list[str] = []
        context.route("**/*", self._route)
        context.on("response", lambda r: r.status >= 400 and self.failed.append(f"{r.status} {r.url}"))

    def _route(self, route) -> None:
        url = route.request.url
        self.requests.append(url)
        parts = urlsplit(url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname not in LOCAL_HOSTS:
            self.outside.append(url)
            route.abort()
        else:
            route.continue_()


def _open(browser, url: str):
    context = browser.new_context(viewport={"width": 1500, "height": 1450})
    traffic = Traffic(context)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url)
    page.get_by_role("button", name="Step", exact=True).wait_for()
    page.locator(".vega-embed canvas").nth(3).wait_for()  # the browser drew the four charts (Vega)
    return context, page, traffic


def test_explorer_in_chromium_offline(server, browser, tmp_path) -> None:
    url, log = server
    context, page, traffic = _open(browser, url)
    adoption = page.locator(".vega-embed").first
    before = adoption.screenshot()

    # move a lever: click the voucher face value slider's track at 40% of 0-500 yuan
    face = page.get_by_role("slider", name="Voucher face value (yuan)")
    assert face.get_attribute("aria-valuenow") == "100"
    track = page.locator(".v-input", has=face).locator(".v-slider__track-container").bounding_box()
    page.mouse.click(track["x"] + 0.4 * track["width"], track["y"] + track["height"] / 2)
    assert face.get_attribute("aria-valuenow") == "200"
    page.get_by_role("button", name="Reset", exact=True).click()
    page.get_by_text("levers.vouchers.waves[*].face_value_yuan=200").wait_for()

    page.get_by_role("button", name="Step", exact=True).click()
    page.get_by_text("Month 2020-01 (1 of 72)").wait_for()
    page.get_by_role("button", name="Step", exact=True).click()
    page.get_by_text("Month 2020-02 (2 of 72)").wait_for()
    page.locator(".v-select", has_text="Run to month").locator(".v-select__selections").click()
    page.get_by_role("option", name="2021-08").click()  # the menu renders its first 20 months
    page.get_by_role("button", name="Run to", exact=True).click()
    page.get_by_text("Month 2021-08 (20 of 72)").wait_for()
    time.sleep(1.0)  # let the browser swap in the new chart images
    after = adoption.screenshot()
    assert after != before, "the adoption chart did not change after running"

    shot = tmp_path / "app.png"
    page.screenshot(path=shot)
    if os.environ.get("INFOSIM_UPDATE_FIGURES"):
        shutil.copyfile(shot, REPO / "docs" / "figures" / "app.png")

    # a second tab (its own kernel): switching scenario rebuilds the controls from that scenario
    context2, page2, traffic2 = _open(browser, url)
    page2.locator(".v-select", has_text="Scenario").first.locator(".v-select__selections").click()
    page2.get_by_role("option", name="vouchers_targeted").click()
    page2.get_by_text("infosim run vouchers_targeted --seed 0").wait_for()
    eligibility = page2.locator(".v-select", has_text="Voucher eligibility")
    assert "rural_or_elderly" in eligibility.inner_text()

    for t in (traffic, traffic2):
        assert t.requests, "no requests recorded"
        assert t.outside == [], f"requests left this machine: {t.outside}"
        assert t.failed == [], f"assets failed to load: {t.failed}"
    assert "Traceback" not in log.read_text()
    context.close()
    context2.close()
