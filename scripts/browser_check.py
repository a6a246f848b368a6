#!/usr/bin/env python3
"""The lab's click-through in a real browser (headless Chromium), as the lab asks a person
to do it (Lab 3): the page fills with 12 mysfits, a filter shows what the API filters, a
profile opens, the heart adds exactly one like.

    browser_check.py SITE_URL LIKE_MARK ARTIFACT_DIR

SITE_URL      the lab's website (a loopback URL: 127.0.0.1, localhost or *.localhost)
LIKE_MARK     the target group that must answer the browser's like (the local load
              balancer's x-mysfits-target-group header), or - to not check it
ARTIFACT_DIR  where a screenshot of each state goes (1-list.png ... 4-liked.png;
              failed.png when a step fails)

Prints one line per step; exits 1 with the step and why at the first one that fails.
The browser resolves nothing but loopback names (--host-resolver-rules), and Selenium
uses Debian's chromedriver, so nothing is downloaded.
"""

import http.client
import json
import os
import socket
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WAIT_S = 20
# Every name but loopback resolves to nothing: the page may reach only this machine.
RESOLVER_RULES = "MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE *.localhost, EXCLUDE 127.0.0.1"
# Names are not all: an IP literal is never resolved. Everything not loopback goes to
# a proxy that is a closed port on 127.0.0.1, so it fails without leaving the machine.
PROXY_BYPASS = "localhost;*.localhost;127.0.0.1"


class StepFailed(Exception):
    pass


def is_loopback(url):
    host = urllib.parse.urlsplit(url).hostname or ""
    return host in ("127.0.0.1", "localhost") or host.endswith(".localhost")


def api_get(api_url, path):
    """GET from the lab's API straight (not through the page), as the truth to compare with."""
    parts = urllib.parse.urlsplit(api_url)
    conn = http.client.HTTPConnection("127.0.0.1", parts.port or 80, timeout=30)
    try:
        conn.request("GET", path, headers={"Host": parts.netloc})
        resp = conn.getresponse()
        body = resp.read()
    finally:
        conn.close()
    if resp.status != 200:
        raise StepFailed(f"GET {api_url}{path} answered {resp.status}: {body[:200]!r}")
    return json.loads(body)


def start_browser(profile_dir, proxy):
    if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
        raise StepFailed(f"{CHROMIUM} or {CHROMEDRIVER} is missing; "
                         "install them with: scripts/system-deps.sh (Debian chromium, chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ["--headless=new", "--disable-dev-shm-usage", "--window-size=1280,1000",
                f"--host-resolver-rules={RESOLVER_RULES}", f"--proxy-server=http://{proxy}",
                f"--proxy-bypass-list={PROXY_BYPASS}", f"--user-data-dir={profile_dir}",
                "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-default-apps",
                "--disable-domain-reliability", "--disable-features=Translate,OptimizationHints,MediaRouter"]:
        options.add_argument(arg)
    if os.geteuid() == 0:
        options.add_argument("--no-sandbox")  # Chromium refuses to run as root otherwise
    # The network log shows which target group answered the like (a response header
    # the page itself may not read across origins).
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


class Check:
    def __init__(self, driver, artifacts):
        self.driver = driver
        self.artifacts = artifacts
        self.step = "start"
        self.network = []

    def begin(self, step):
        self.step = step

    def done(self, shot, message):
        path = self.artifacts / shot
        self.driver.save_screenshot(str(path))
        print(f"   ok  {self.step}: {message} ({path})")

    def wait(self, what, condition):
        try:
            return WebDriverWait(self.driver, WAIT_S, poll_frequency=0.1).until(lambda d: condition())
        except TimeoutException:
            raise StepFailed(f"after {WAIT_S}s still no {what}{self.page_error()}") from None

    def page_error(self):
        shown = self.js("const e = document.getElementById('error'); return e && !e.hidden ? e.textContent : '';")
        return f"; the page says: {shown}" if shown else ""

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def cards(self):
        return self.js("return [...document.querySelectorAll('#grid .mysfit')].map(e => e.dataset.mysfitId);")

    def counted(self):
        return self.js("const c = document.getElementById('count');"
                       "return [c.dataset.count || '', c.dataset.filter || ''];")

    def read_network(self):
        for entry in self.driver.get_log("performance"):
            self.network.append(json.loads(entry["message"])["message"])

    def served_by(self, url_end):
        """The x-mysfits-target-group of the browser's POST whose URL ends with url_end."""
        self.read_network()
        posts = {m["params"]["requestId"] for m in self.network
                 if m["method"] == "Network.requestWillBeSent"
                 and m["params"]["request"]["method"] == "POST"
                 and m["params"]["request"]["url"].endswith(url_end)}
        for m in self.network:
            if m["method"] == "Network.responseReceived" and m["params"]["requestId"] in posts:
                headers = {k.lower(): v for k, v in m["params"]["response"]["headers"].items()}
                return headers.get("x-mysfits-target-group", "(no x-mysfits-target-group header)")
        return None


def run(check, site_url, like_mark):
    d = check.driver

    check.begin("1 list")
    d.get(site_url)
    check.wait("list of mysfits", lambda: check.counted()[0] != "" or check.page_error())
    shown = check.cards()
    if len(shown) != 12:
        raise StepFailed(f"the page shows {len(shown)} mysfits, expected 12{check.page_error()}")
    # An image still loading is not broken: wait until each has loaded or failed.
    check.wait("images loaded", lambda: check.js(
        "return [...document.querySelectorAll('#grid img')].every(i => i.complete);"))
    broken = check.js("return [...document.querySelectorAll('#grid img')]"
                      ".filter(i => i.naturalWidth === 0).map(i => i.alt);")
    if broken:
        raise StepFailed(f"images that did not load: {', '.join(broken)}")
    api_url = check.js("return (window.MYSFITS_CONFIG || {}).apiUrl || '';")
    if not api_url or not is_loopback(api_url):
        raise StepFailed(f"config.js names apiUrl {api_url!r}; this check talks only to loopback")
    check.done("1-list.png", f"12 mysfits with their images, from {api_url}")

    check.begin("2 filter")
    expected = sorted(m["mysfitId"] for m in api_get(api_url, "/mysfits?filter=GoodEvil&value=Good")["mysfits"])
    d.find_element(By.CSS_SELECTOR, '#filters button[data-filter="GoodEvil"][data-value="Good"]').click()
    check.wait("filtered list", lambda: check.counted()[1] == "GoodEvil=Good")
    count, _ = check.counted()
    shown = sorted(check.cards())
    if count != str(len(expected)) or shown != expected:
        raise StepFailed(f"filter Good/Evil: Good shows {count} ({len(shown)} cards), "
                         f"the API answers {len(expected)}: {expected}")
    check.done("2-filter.png", f"Good/Evil: Good shows the {len(expected)} mysfits the API answers")

    check.begin("3 profile")
    first = d.find_element(By.CSS_SELECTOR, "#grid .mysfit")
    mysfit_id = first.get_attribute("data-mysfit-id")
    name = first.find_element(By.CSS_SELECTOR, ".name").text
    first.find_element(By.CSS_SELECTOR, ".open").click()
    check.wait(f"profile of {name}", lambda: check.js(
        "const p = document.getElementById('profile');"
        "return p.open && p.dataset.mysfitId === arguments[0] "
        "&& document.getElementById('profile-likes').dataset.likes !== '';", mysfit_id))
    before = int(check.js("return document.getElementById('profile-likes').dataset.likes;"))
    stored = int(api_get(api_url, f"/mysfits/{mysfit_id}")["likes"])
    if before != stored:
        raise StepFailed(f"the profile of {name} shows {before} likes, the API {stored}")
    check.done("3-profile.png", f"profile of {name} ({mysfit_id}), {before} likes")

    check.begin("4 like")
    d.find_element(By.ID, "profile-like").click()
    check.wait("new like count", lambda: check.js(
        "return document.getElementById('profile-likes').dataset.likes;") != str(before)
        or check.page_error())
    after = int(check.js("return document.getElementById('profile-likes').dataset.likes;"))
    stored = int(api_get(api_url, f"/mysfits/{mysfit_id}")["likes"])
    if after != before + 1 or stored != before + 1:
        raise StepFailed(f"the heart took {name} from {before} to {after} likes "
                         f"(the API has {stored}); expected exactly {before + 1}{check.page_error()}")
    served = check.served_by(f"/mysfits/{mysfit_id}/like")
    if served is None:
        raise StepFailed(f"the browser's POST /mysfits/{mysfit_id}/like is not in its network log")
    if like_mark != "-" and served != like_mark:
        raise StepFailed(f"the like was answered by target group {served}, expected {like_mark}")
    check.done("4-liked.png", f"the heart took {name} from {before} to {after} likes"
                              f" (served by {served})")

    check.begin("5 console")
    severe = [e["message"] for e in d.get_log("browser") if e["level"] == "SEVERE"]
    if severe:
        raise StepFailed("the browser console has errors:\n      " + "\n      ".join(severe))
    print(f"   ok  {check.step}: no errors in the browser console")


def main(argv):
    if len(argv) != 4:
        sys.exit(__doc__)
    site_url, like_mark, artifacts = argv[1], argv[2], Path(argv[3])
    if not is_loopback(site_url):
        sys.exit(f"browser_check: {site_url} is not a loopback URL; this check only opens 127.0.0.1")
    artifacts.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    # Bound and never listening: a connection to it is refused for as long as we run.
    with tempfile.TemporaryDirectory(prefix="browser-check.") as profile, socket.socket() as dead:
        dead.bind(("127.0.0.1", 0))
        proxy = f"127.0.0.1:{dead.getsockname()[1]}"
        check = None
        try:
            check = Check(start_browser(profile, proxy), artifacts)
            try:
                run(check, site_url, like_mark)
            except Exception:
                check.driver.save_screenshot(str(artifacts / "failed.png"))
                raise
            finally:
                check.driver.quit()
        except (StepFailed, WebDriverException) as err:
            step = check.step if check else "start the browser"
            message = err.msg if isinstance(err, WebDriverException) else str(err)
            print(f"browser_check: step {step} failed: {message}", file=sys.stderr)
            print(f"browser_check: screenshots in {artifacts}", file=sys.stderr)
            return 1
    print(f"   browser check passed in {time.monotonic() - started:.1f}s; screenshots in {artifacts}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
