"""The dashboard in a real headless browser (Debian's chromium + chromedriver, through
selenium): sign in, edit the playbook with an error (shown at its line while typing, nothing
saved), fix it (saved and reloaded), and filter cases. Skips where chromium is not installed
(`apt-get install chromium chromium-driver`). With QUNBOT_SCREENSHOTS=DIR it also saves a
screenshot of every page there (docs/dashboard.md shows them)."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.recording import simulated_link
from bot.web.server import Dashboard
from tests.harness import PLATFORM
from tests.web.conftest import ADMIN_TOKEN

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and DRIVER),
    reason="chromium/chromedriver not installed (apt-get install chromium chromium-driver)",
)
webdriver = pytest.importorskip("selenium.webdriver")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _browser():  # noqa: ANN202 - selenium's WebDriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,1000", "--lang=en-US"):  # fmt: skip
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(DRIVER), options=options)


def drive(
    base: str, community: int, playbook: Path, shots: Path | None, expire: Callable[[], None]
) -> dict[str, object]:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    seen: dict[str, object] = {}
    browser = _browser()
    wait = WebDriverWait(browser, 15)

    def shot(name: str) -> None:
        if shots:
            browser.save_screenshot(str(shots / f"{name}.png"))

    try:
        browser.get(f"{base}/c/{community}/cases")  # not signed in: the sign-in page
        wait.until(ec.presence_of_element_located((By.ID, "token")))
        shot("sign-in")
        browser.find_element(By.ID, "token").send_keys(ADMIN_TOKEN)
        browser.find_element(By.ID, "sign-in").click()
        wait.until(ec.presence_of_element_located((By.ID, "case-filters")))
        seen["after_sign_in"] = browser.current_url

        # filter the cases by member
        field = browser.find_element(By.NAME, "member")
        field.send_keys("carol")
        browser.find_element(By.ID, "filter").click()
        wait.until(ec.url_contains("member=carol"))
        seen["cases"] = [r.text for r in browser.find_elements(By.CSS_SELECTOR, "#cases tr.case")]
        shot("cases")

        # type an error: the pause-check marks its line, and saving is refused
        browser.get(f"{base}/playbook/default.yaml")
        text = wait.until(ec.presence_of_element_located((By.ID, "text")))
        text.click()
        text.send_keys(Keys.CONTROL, Keys.END)
        text.send_keys("\nbogus_section: 1")
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#problems li")))
        problem = browser.find_element(By.CSS_SELECTOR, "#problems li")
        seen["problem_line"] = int(problem.get_attribute("data-line"))
        seen["problem"] = problem.text
        seen["marked"] = [
            int(d.get_attribute("data-line"))
            for d in browser.find_elements(By.CSS_SELECTOR, "#gutter .err")
        ]
        seen["lines"] = len(browser.execute_script("return arguments[0].value", text).split("\n"))
        shot("playbook-error")
        browser.find_element(By.ID, "save").click()
        wait.until(ec.presence_of_element_located((By.ID, "refused")))
        seen["refused"] = browser.find_element(By.ID, "refused").text
        seen["file_after_error"] = playbook.read_text(encoding="utf-8")

        # fix it (delete the line), add a comment, save
        text = browser.find_element(By.ID, "text")
        text.click()
        text.send_keys(Keys.CONTROL, Keys.END)
        text.send_keys(Keys.SHIFT, Keys.HOME)
        text.send_keys(Keys.BACKSPACE, Keys.BACKSPACE)
        text.send_keys("\n# tuned in the browser")
        wait.until(ec.text_to_be_present_in_element((By.ID, "status"), "valid"))
        wait.until(ec.text_to_be_present_in_element((By.ID, "diff"), "+# tuned in the browser"))
        browser.execute_script("document.getElementById('diff').scrollIntoView()")
        shot("playbook-diff")
        browser.find_element(By.ID, "save").click()
        wait.until(ec.presence_of_element_located((By.ID, "saved")))
        seen["saved"] = browser.find_element(By.ID, "saved").text
        seen["file_after_fix"] = playbook.read_text(encoding="utf-8")

        # the dry run, and the remaining pages for the documentation
        browser.find_element(By.ID, "probe").send_keys("crypto giveaway, double your bitcoin")
        browser.find_element(By.ID, "explain-button").click()
        wait.until(ec.presence_of_element_located((By.ID, "explain")))
        seen["explain"] = browser.find_element(By.ID, "explain").text
        browser.execute_script("document.getElementById('explain').scrollIntoView()")
        shot("playbook-explain")
        for name, path in (
            ("communities", "/"),
            ("report", f"/c/{community}/report?from=2026-03-02&to=2026-03-08"),
            ("case", f"/c/{community}/cases/2"),
            ("members", f"/c/{community}/members"),
            ("member", f"/c/{community}/members/alice"),
            ("calendar", f"/c/{community}/calendar"),
            ("members-zh", f"/c/{community}/members?lang=zh"),
        ):
            browser.get(base + path)
            wait.until(ec.presence_of_element_located((By.TAG_NAME, "main")))
            if name == "report":
                browser.switch_to.frame(browser.find_element(By.TAG_NAME, "iframe"))
                wait.until(ec.presence_of_element_located((By.TAG_NAME, "img")))
                browser.switch_to.default_content()
            shot(name)

        # the session expires while the editor is open: the pause-check says so
        browser.get(f"{base}/playbook/default.yaml?lang=en")
        text = wait.until(ec.presence_of_element_located((By.ID, "text")))
        expire()
        text.click()
        text.send_keys(Keys.CONTROL, Keys.END)
        text.send_keys("\n# typed after the session ended")
        wait.until(ec.text_to_be_present_in_element((By.ID, "status"), "session expired"))
        seen["expired"] = browser.find_element(By.ID, "status").text
        # saving then is refused (nothing written); signed in again, the editor offers the edit
        browser.find_element(By.ID, "save").click()
        seen["refused_after_expiry"] = wait.until(
            ec.presence_of_element_located((By.CSS_SELECTOR, "main .error"))
        ).text
        seen["file_after_expiry"] = playbook.read_text(encoding="utf-8")
        browser.get(f"{base}/login")
        token = wait.until(ec.presence_of_element_located((By.ID, "token")))
        token.send_keys(ADMIN_TOKEN)
        browser.find_element(By.ID, "sign-in").click()
        # every page has a <main>, the sign-in page too: wait until it is gone, or the next
        # GET can race the sign-in's cookie and find no editor
        wait.until(ec.staleness_of(token))
        wait.until(ec.presence_of_element_located((By.TAG_NAME, "main")))
        browser.get(f"{base}/playbook/default.yaml?lang=en")
        wait.until(ec.visibility_of_element_located((By.ID, "restored")))
        text = browser.find_element(By.ID, "text")
        seen["restored"] = browser.execute_script("return arguments[0].value", text)
        browser.find_element(By.ID, "save").click()
        wait.until(ec.presence_of_element_located((By.ID, "saved")))
        browser.get(f"{base}/playbook/default.yaml?lang=en")  # saved: nothing to offer back
        wait.until(ec.presence_of_element_located((By.ID, "text")))
        seen["offered_after_save"] = browser.find_element(By.ID, "restored").is_displayed()
    finally:
        browser.quit()
    return seen


async def test_sign_in_edit_with_an_error_fix_it_and_filter_cases_in_a_browser(dash):
    # alice brought dave with her invite link: the members pages show it
    await dash.bot.command("alice", "invite")
    await dash.bot.join("dave", invite=simulated_link(PLATFORM, "alice"))
    await dash.bot.say("dave", "thanks for the invite, alice")
    await dash.bot.runtime.store.flush()
    port = _port()
    dash.ctx.config = dash.ctx.config.model_copy(update={"port": port})
    server = Dashboard(dash.ctx)
    await server.start()
    shots = os.environ.get("QUNBOT_SCREENSHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
    before = dash.playbook.read_text(encoding="utf-8")
    try:
        seen = await asyncio.to_thread(
            drive,
            f"http://127.0.0.1:{port}",
            dash.community_id,
            dash.playbook,
            Path(shots) if shots else None,
            lambda: setattr(dash.clock, "shift", timedelta(minutes=481)),
        )
    finally:
        await server.stop()
    assert seen["after_sign_in"].endswith(f"/c/{dash.community_id}/cases")
    assert [r.split()[0] for r in seen["cases"]] == ["#2"]
    assert seen["problem_line"] == seen["lines"]  # the line just typed
    assert seen["marked"] == [seen["lines"]]
    assert "bogus_section" in seen["problem"] and "unknown" in seen["problem"]
    assert "Not saved" in seen["refused"]
    assert seen["file_after_error"] == before
    assert "Saved and reloaded" in seen["saved"]
    assert str(seen["file_after_fix"]).endswith("# tuned in the browser")
    assert "antispam.enforce" in seen["explain"]
    assert "Your session expired" in seen["expired"]
    assert "sign in" in str(seen["refused_after_expiry"]).lower()
    assert seen["file_after_expiry"].endswith("# tuned in the browser")  # nothing written
    assert str(seen["restored"]).endswith("# typed after the session ended")
    assert dash.playbook.read_text(encoding="utf-8").endswith("# typed after the session ended")
    assert seen["offered_after_save"] is False
    assert dash.bot.runtime.playbooks.default.version == 3  # the fix, then the restored edit
