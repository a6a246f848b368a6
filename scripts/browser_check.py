#!/usr/bin/env python3
"""The lab's click-through in a real browser (headless Chromium), as the lab asks a person
to do it (Lab 3): the page fills with 12 mysfits, a filter shows what the API filters, a
profile opens, the heart adds exactly one like.

    browser_check.py SITE_URL LIKE_MARK ARTIFACT_DIR
    browser_check.py --signed-in ENGINE_LOG SITE_URL LIKE_MARK ARTIFACT_DIR
    browser_check.py --sign-in ENGINE_LOG SITE_URL LIKE_MARK ARTIFACT_DIR

SITE_URL      the lab's website (a loopback URL: 127.0.0.1, localhost or *.localhost)
LIKE_MARK     the target group that must answer the browser's like (the local load
              balancer's x-mysfits-target-group header), or - to not check it
ARTIFACT_DIR  where a screenshot of each state goes (1-list.png ...; failed.png when a
              step fails)

--signed-in: the same click-through on the lab with sign-in (config.js names a pool): a
visitor registers, confirms (the code from ENGINE_LOG) and signs in after the list, so
the heart's like carries a token. Before the clicks-service is split out the monolith
answers the profile's click (POST /clicks) 404: that one console error is expected.

--sign-in: the lab whose API is an HTTP API behind a Cognito user pool (config.js names
it). In order: the list; registering a unique visitor-<hex>@example.com with a password
the pool's policy refuses, then with a good one; signing in before confirming; a wrong
confirmation code; the right one, read from ENGINE_LOG (the local engine's log, where it
writes "[localaws] cognito: the confirmation code of <email> in <pool> is NNNNNN");
registering the same e-mail again; signing in (the page shows who); a like (+1, read
back); a like signed out (sent without a token: the API answers 401 and the page asks to
sign in); signing in again; adopting (Adopted!); three profiles opened (the adopted one's
first), each sending a click (POST /clicks {mysfitId}) the API answers 200, the only
clicks of the run, their ids printed on one line ("   clicks: <id> <id> <id>");
signing out; an expired token in the tab's storage counting as signed out. Each refusal
must show Cognito's own reason, its __type kept in the form's message (data-error-type).

Prints one line per step; exits 1 with the step and why at the first one that fails.
The browser resolves nothing but loopback names (--host-resolver-rules), and Selenium
uses Debian's chromedriver, so nothing is downloaded.
"""

import base64
import http.client
import json
import os
import re
import secrets
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

    def posts(self, url_end):
        """The browser's POSTs whose URL ends with url_end, in order: (request, response),
        the response None while none came."""
        self.read_network()
        sent = [m["params"] for m in self.network
                if m["method"] == "Network.requestWillBeSent"
                and m["params"]["request"]["method"] == "POST"
                and m["params"]["request"]["url"].endswith(url_end)]
        answers = {m["params"]["requestId"]: m["params"]["response"] for m in self.network
                   if m["method"] == "Network.responseReceived"}
        return [(p["request"], answers.get(p["requestId"])) for p in sent]

    def served_by(self, url_end):
        """The x-mysfits-target-group of the browser's first POST whose URL ends with url_end."""
        answered = [r for _, r in self.posts(url_end) if r is not None]
        if not answered:
            return None
        headers = {k.lower(): v for k, v in answered[0]["headers"].items()}
        return headers.get("x-mysfits-target-group", "(no x-mysfits-target-group header)")

    def console_errors(self, expected=lambda message: False):
        """SEVERE console entries, but those `expected` says the run caused on purpose."""
        return [e["message"] for e in self.driver.get_log("browser")
                if e["level"] == "SEVERE" and not expected(e["message"])]


def list_step(check, site_url):
    """1 list: 12 mysfits with their images; returns the API's URL from config.js."""
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
    return api_url


def run(check, site_url, like_mark, signer=None):
    d = check.driver
    api_url = list_step(check, site_url)
    if signer is not None:
        signer.visitor(site_url)

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
    # Signed in, the profile sent a click, which the monolith answers 404 until the
    # clicks-service is split out.
    severe = check.console_errors(lambda m: signer is not None and "/clicks " in m
                                  and "status of 404" in m)
    if severe:
        raise StepFailed("the browser console has errors:\n      " + "\n      ".join(severe))
    print(f"   ok  {check.step}: no errors in the browser console")


# ---- --sign-in: the lab's HTTP API and its Cognito user pool.

# Refused by the lab's policy (8 or more, upper, lower, numbers): no upper case, no number.
WEAK_PASSWORD = "mysfits-weak"
PASSWORD = "Mysfits-2026"
CODE_LINE = r"\[localaws\] cognito: the confirmation code of {email} in (\S+) is (\d{{6}})"


class SignIn:
    """The sign-in flow's steps, on a Check."""

    def __init__(self, check, engine_log, like_mark):
        self.check, self.d = check, check.driver
        self.engine_log = Path(engine_log)
        self.like_mark = like_mark
        self.email = f"visitor-{secrets.token_hex(4)}@example.com"
        self.api_url = ""
        self.pool = {}

    def fill(self, fields):
        for element_id, value in fields.items():
            box = self.d.find_element(By.ID, element_id)
            box.clear()
            box.send_keys(value)

    def submit(self, form, fields):
        """Fills and submits one of the account forms; (data-error-type, text) of its message."""
        self.fill(fields)
        message = f"{form}-message"
        self.check.js("document.getElementById(arguments[0]).hidden = true;", message)
        self.d.find_element(By.ID, f"{form}-submit").click()
        return self.check.wait(f"answer in #{message}", lambda: self.check.js(
            "const m = document.getElementById(arguments[0]), b = document.getElementById(arguments[1]);"
            "return !b.disabled && (!m.hidden || arguments[2]) ? [m.dataset.errorType, m.hidden ? '' : m.textContent] : null;",
            message, f"{form}-submit", form == "signin"))

    def refused(self, form, fields, error_type, shot, what):
        """The form shows Cognito's refusal: its __type in data-error-type, its message as text."""
        got_type, text = self.submit(form, fields)
        # "<what did not happen>: <Cognito's message>"
        if got_type != error_type or not text.partition(": ")[2].strip():
            raise StepFailed(f"{what}: the page shows {text!r} ({got_type or 'no error type'}); "
                             f"expected Cognito's {error_type} with its message")
        self.check.done(shot, f"{what}: the page shows Cognito's {error_type}: {text}")

    def signed_in_as(self):
        return self.check.js("const w = document.getElementById('who');"
                             "return document.getElementById('signed-in').hidden ? '' : w.dataset.email;")

    def stored_tokens(self):
        return self.check.js("return sessionStorage.getItem('mysfits.tokens');")

    def sign_in(self, shot):
        got_type, text = self.submit("signin", {"signin-email": self.email, "signin-password": PASSWORD})
        if got_type:
            raise StepFailed(f"signing in as {self.email}: the page shows {got_type}: {text}")
        self.check.wait(f"'signed in as {self.email}'", lambda: self.signed_in_as() == self.email)
        if not self.check.js("return document.getElementById('signed-out').hidden;"):
            raise StepFailed("signed in, but the register/confirm/sign-in forms still show")
        self.check.done(shot, f"the page shows who is signed in: {self.email}")

    def sign_out(self):
        self.d.find_element(By.ID, "sign-out").click()
        self.check.wait("signed-out forms", lambda: self.signed_in_as() == "" and self.check.js(
            "return !document.getElementById('signed-out').hidden;"))
        if self.stored_tokens() is not None:
            raise StepFailed(f"signed out, but the tab still holds tokens: {self.stored_tokens()[:60]}…")

    def code(self):
        """The code the engine wrote for this e-mail, and the pool it names."""
        pattern = re.compile(CODE_LINE.format(email=re.escape(self.email)))
        found = self.check.wait(f"confirmation code for {self.email} in {self.engine_log}", lambda: (
            pattern.findall(self.engine_log.read_text(errors="replace")) or None))
        return found[-1]

    def card_likes(self, mysfit_id):
        return self.check.js(
            "const s = document.querySelector(`#grid .mysfit[data-mysfit-id=\"${arguments[0]}\"] .likes`);"
            "return s ? s.dataset.likes : null;", mysfit_id)

    def open_profile(self, mysfit_id):
        """Opens the profile from its card; waits for the click it sends to be answered."""
        self.check.js("document.getElementById('profile').open && document.getElementById('profile').close();")
        card = self.d.find_element(By.CSS_SELECTOR, f'#grid .mysfit[data-mysfit-id="{mysfit_id}"]')
        card.find_element(By.CSS_SELECTOR, ".open").click()
        status = self.check.wait(f"answer to the click of {mysfit_id}", lambda: self.check.js(
            "const p = document.getElementById('profile');"
            "return p.open && p.dataset.mysfitId === arguments[0] && p.dataset.clickStatus || null;",
            mysfit_id))
        if status != "200":
            raise StepFailed(f"the click of {mysfit_id} (POST /clicks) was answered {status}")

    def read_pool(self):
        check = self.check
        self.pool = check.js("return (window.MYSFITS_CONFIG || {}).cognito || null;") or {}
        if not self.pool.get("clientId") or not is_loopback(self.pool.get("endpoint") or ""):
            raise StepFailed(f"config.js names no Cognito client on loopback: {self.pool!r}")
        if check.js("return document.getElementById('account').hidden;"):
            raise StepFailed("config.js names a user pool, but the page shows no account forms")

    def visitor(self, site_url):
        """A visitor registered, confirmed and signed in, with no detour (--signed-in)."""
        check = self.check
        self.read_pool()
        check.begin("1b sign in")
        got_type, text = self.submit("register", {"register-email": self.email,
                                                  "register-password": PASSWORD})
        if got_type:
            raise StepFailed(f"registering {self.email}: the page shows {got_type}: {text}")
        _, code = self.code()
        got_type, text = self.submit("confirm", {"confirm-code": code})
        if got_type:
            raise StepFailed(f"confirming with {code}: the page shows {got_type}: {text}")
        self.sign_in("1b-signed-in.png")

    def run(self, site_url):
        check, d = self.check, self.d
        self.api_url = list_step(check, site_url)
        self.read_pool()

        check.begin("2 weak password")
        self.refused("register", {"register-email": self.email, "register-password": WEAK_PASSWORD},
                     "InvalidPasswordException", "2-weak-password.png",
                     f"registering with {WEAK_PASSWORD!r}")

        check.begin("3 register")
        got_type, text = self.submit("register", {"register-email": self.email,
                                                  "register-password": PASSWORD})
        if got_type:
            raise StepFailed(f"registering {self.email}: the page shows {got_type}: {text}")
        pool_id, code = self.code()
        if pool_id != self.pool.get("userPoolId"):
            raise StepFailed(f"the engine sent the code for pool {pool_id}, config.js names {self.pool.get('userPoolId')}")
        check.done("3-registered.png", f"registered {self.email}; the page says: {text}")

        check.begin("4 unconfirmed")
        self.refused("signin", {"signin-email": self.email, "signin-password": PASSWORD},
                     "UserNotConfirmedException", "4-unconfirmed.png", "signing in before confirming")

        check.begin("5 wrong code")
        if d.find_element(By.ID, "confirm-email").get_attribute("value") != self.email:
            raise StepFailed("after registering, the confirm form does not hold the e-mail")
        wrong = f"{(int(code) + 1) % 10 ** 6:06d}"
        self.refused("confirm", {"confirm-code": wrong}, "CodeMismatchException", "5-wrong-code.png",
                     f"confirming with {wrong} (the engine sent {code})")

        check.begin("6 confirm")
        got_type, text = self.submit("confirm", {"confirm-code": code})
        if got_type:
            raise StepFailed(f"confirming with {code}: the page shows {got_type}: {text}")
        check.done("6-confirmed.png", f"confirmed with the code from the engine's log; the page says: {text}")

        check.begin("7 e-mail taken")
        self.refused("register", {"register-email": self.email, "register-password": PASSWORD},
                     "UsernameExistsException", "7-email-taken.png", f"registering {self.email} again")

        check.begin("8 sign in")
        self.sign_in("8-signed-in.png")

        check.begin("9 like")
        mysfit_id = check.cards()[0]
        before = int(self.card_likes(mysfit_id))
        heart = d.find_element(By.CSS_SELECTOR, f'#grid .mysfit[data-mysfit-id="{mysfit_id}"] .heart')
        heart.click()
        check.wait("new like count", lambda: self.card_likes(mysfit_id) != str(before) or check.page_error())
        after = int(self.card_likes(mysfit_id))
        stored = int(api_get(self.api_url, f"/mysfits/{mysfit_id}")["likes"])
        if after != before + 1 or stored != before + 1:
            raise StepFailed(f"the heart took {mysfit_id} from {before} to {after} likes "
                             f"(the API has {stored}); expected exactly {before + 1}{check.page_error()}")
        (request, answer), = check.posts(f"/mysfits/{mysfit_id}/like")
        if not request["headers"].get("Authorization", "").startswith("Bearer "):
            raise StepFailed("the like went without the ID token (no Authorization: Bearer)")
        served = check.served_by(f"/mysfits/{mysfit_id}/like")
        if self.like_mark != "-" and served != self.like_mark:
            raise StepFailed(f"the like was answered by target group {served}, expected {self.like_mark}")
        check.done("9-liked.png", f"signed in, the heart took {mysfit_id} from {before} to {after} likes "
                                  f"(served by {served})")

        check.begin("10 like signed out")
        self.sign_out()
        heart = d.find_element(By.CSS_SELECTOR, f'#grid .mysfit[data-mysfit-id="{mysfit_id}"] .heart')
        heart.click()
        prompt = check.wait("prompt to sign in", lambda: check.js(
            "const p = document.getElementById('signin-prompt');"
            "return p.hidden ? null : [p.dataset.status, p.dataset.action,"
            " document.getElementById('signin-prompt-text').textContent];"))
        def second_like():
            likes = check.posts(f"/mysfits/{mysfit_id}/like")
            return likes[1] if len(likes) == 2 and likes[1][1] is not None else None
        request, answer = check.wait("answer to the second like in the network log", second_like)
        if "Authorization" in request["headers"]:
            raise StepFailed("signed out, the like still carried an Authorization header")
        if answer["status"] != 401 or prompt[0] != "401" or prompt[1] != "like":
            raise StepFailed(f"signed out, the like was answered {answer['status']}; the page's "
                             f"prompt says status {prompt[0]!r} for {prompt[1]!r}: expected the API's 401")
        stored = int(api_get(self.api_url, f"/mysfits/{mysfit_id}")["likes"])
        if stored != before + 1:
            raise StepFailed(f"the refused like changed {mysfit_id}'s likes to {stored}")
        check.done("10-sign-in-prompt.png", f"signed out, the API answered 401 and the page asks: {prompt[2]}")

        check.begin("11 sign in again")
        self.sign_in("11-signed-in-again.png")
        if not check.js("return document.getElementById('signin-prompt').hidden;"):
            raise StepFailed("signed in, but the prompt to sign in still shows")

        check.begin("12 adopt")
        mysfits = api_get(self.api_url, "/mysfits")["mysfits"]
        homeless = [m["mysfitId"] for m in mysfits if not m["adopted"] and m["mysfitId"] != mysfit_id]
        if len(homeless) < 3:
            raise StepFailed(f"only {len(homeless)} mysfits are left to adopt and open; the lab's data has 12")
        opened = [homeless[0]]
        self.open_profile(opened[0])
        d.find_element(By.ID, "profile-adopt").click()
        check.wait("'Adopted!'", lambda: d.find_element(By.ID, "profile-adopt").text == "Adopted!"
                   or check.page_error())
        if not api_get(self.api_url, f"/mysfits/{opened[0]}")["adopted"]:
            raise StepFailed(f"the page shows Adopted!, the API does not have {opened[0]} adopted")
        if not all(r["headers"].get("Authorization", "").startswith("Bearer ")
                   for r, _ in check.posts(f"/mysfits/{opened[0]}/adopt")):
            raise StepFailed("the adopt went without the ID token (no Authorization: Bearer)")
        check.done("12-adopted.png", f"{opened[0]} adopted: the button shows Adopted!")

        check.begin("13 profiles")
        for other in homeless[1:3]:
            self.open_profile(other)
            opened.append(other)
        sent = [json.loads(r.get("postData") or "null") for r, a in check.posts("/clicks")
                if a is not None and a["status"] == 200]
        if sent != [{"mysfitId": i} for i in opened]:
            raise StepFailed(f"the clicks the API answered 200 carried {sent}; expected one for each of {opened}")
        check.done("13-profiles.png", "3 profiles opened, each sent a click the API answered 200")
        print(f"   clicks: {' '.join(opened)}")

        check.begin("14 sign out")
        self.check.js("document.getElementById('profile').close();")
        self.sign_out()
        check.done("14-signed-out.png", "signed out: the forms show again, the tab holds no token")

        check.begin("15 expired token")
        claims = {"email": self.email, "exp": int(time.time()) - 60, "aud": self.pool["clientId"]}
        part = lambda o: base64.urlsafe_b64encode(json.dumps(o).encode()).decode().rstrip("=")  # noqa: E731
        expired = f"{part({'alg': 'RS256', 'kid': 'dummy'})}.{part(claims)}.c2ln"
        check.js("sessionStorage.setItem('mysfits.tokens', JSON.stringify({idToken: arguments[0], email: arguments[1]}));",
                 expired, self.email)
        d.refresh()
        check.wait("list of mysfits", lambda: check.counted()[0] != "" or check.page_error())
        if self.signed_in_as() or self.stored_tokens() is not None:
            raise StepFailed("an expired ID token in the tab still counts as signed in")
        print(f"   ok  {check.step}: an expired ID token in the tab counts as signed out (and is dropped)")

        check.begin("16 console")
        endpoint = self.pool["endpoint"].rstrip("/") + "/"
        likes = f"/mysfits/{mysfit_id}/like"
        # The four refusals (400 from Cognito) and the refused like (401) were asked for.
        severe = check.console_errors(lambda m: (m.startswith(endpoint + " ") and "status of 400" in m)
                                      or (likes + " " in m and "status of 401" in m))
        if severe:
            raise StepFailed("the browser console has errors:\n      " + "\n      ".join(severe))
        print(f"   ok  {check.step}: no errors in the browser console but the refusals asked for")


def main(argv):
    args = argv[1:]
    engine_log, mode = None, None
    if args[:1] in (["--sign-in"], ["--signed-in"]) and len(args) == 5:
        mode, engine_log, args = args[0], args[1], args[2:]
    if len(args) != 3:
        sys.exit(__doc__)
    site_url, like_mark, artifacts = args[0], args[1], Path(args[2])
    if not is_loopback(site_url):
        sys.exit(f"browser_check: {site_url} is not a loopback URL; this check only opens 127.0.0.1")
    if engine_log is not None and not Path(engine_log).is_file():
        sys.exit(f"browser_check: {engine_log}: no such file (the engine's log, with the confirmation codes)")
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
                if mode is None:
                    run(check, site_url, like_mark)
                elif mode == "--signed-in":
                    run(check, site_url, like_mark, SignIn(check, engine_log, like_mark))
                else:
                    SignIn(check, engine_log, like_mark).run(site_url)
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
