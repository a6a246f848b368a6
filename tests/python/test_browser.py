"""scripts/browser_check.py against a local stand-in of the lab: site/ with a config.js
served on 127.0.0.1, the monolith (Flask, on moto) as its API, in Debian's headless
Chromium. Fails, not skips, when Chromium is missing."""
import functools
import shutil
import subprocess
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest

from conftest import MONOLITH_DIR, ROOT, TABLE_NAME, free_port, likes, load_app_module, serve_in_thread

sys.path.insert(0, str(ROOT))
from localaws import website  # noqa: E402  (the local engine's S3 website endpoint)

SCRIPT = ROOT / "scripts" / "browser_check.py"
MARK = "standin-monolith"
SHOTS = ["1-list.png", "2-filter.png", "3-profile.png", "4-liked.png"]
TYPES = {".html": "text/html", ".js": "application/javascript", ".css": "text/css",
         ".svg": "image/svg+xml", ".md": "text/markdown"}


def with_mark(wsgi_app):
    """Marks every answer as the local load balancer does (x-mysfits-target-group)."""
    def app(environ, start_response):
        def start(status, headers, exc_info=None):
            return start_response(status, headers + [("x-mysfits-target-group", MARK)], exc_info)
        return wsgi_app(environ, start)
    return app


@pytest.fixture(scope="module")
def api(table):
    app = load_app_module(MONOLITH_DIR, "browser_monolith").create_app(TABLE_NAME)
    with serve_in_thread(with_mark(app.wsgi_app)) as host:
        yield f"http://{host}"


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve_site(directory, api_url):
    """site/ plus the config.js `mysfits up` writes, as the bucket holds them."""
    shutil.copytree(ROOT / "site", directory)
    (directory / "config.js").write_text(
        f'window.MYSFITS_CONFIG = {{"apiUrl": "{api_url}"}};\n')
    server = ThreadingHTTPServer(("127.0.0.1", 0),
                                 functools.partial(Quiet, directory=str(directory)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture()
def site(tmp_path, api):
    server = serve_site(tmp_path / "site", api)
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


def browser_check(site_url, mark, artifacts):
    return subprocess.run([sys.executable, str(SCRIPT), site_url, mark, str(artifacts)],
                          capture_output=True, text=True, timeout=180)


def test_chromium_is_installed():
    # The check is part of the suite: a machine without the browser fails here first.
    assert shutil.which("chromium") and shutil.which("chromedriver"), \
        "install Debian's chromium and chromium-driver: scripts/system-deps.sh"


def test_click_through_passes_and_likes_once(site, table, tmp_path):
    total_before = sum(likes(table, m["MysfitId"]) for m in table.scan()["Items"])
    proc = browser_check(site, MARK, tmp_path / "shots")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for line in ("ok  1 list: 12 mysfits", "ok  2 filter: Good/Evil: Good shows the 4",
                 "ok  4 like:", f"(served by {MARK})", "ok  5 console"):
        assert line in proc.stdout, proc.stdout
    for shot in SHOTS:
        assert (tmp_path / "shots" / shot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not (tmp_path / "shots" / "failed.png").exists()
    # Exactly one like was stored, in all the table.
    assert sum(likes(table, m["MysfitId"]) for m in table.scan()["Items"]) == total_before + 1


def test_wrong_target_group_fails_at_the_like(site, tmp_path):
    proc = browser_check(site, "mysfits-like-service", tmp_path / "shots")
    assert proc.returncode == 1
    assert ("step 4 like failed: the like was answered by target group standin-monolith, "
            "expected mysfits-like-service") in proc.stderr
    assert (tmp_path / "shots" / "failed.png").exists()


def test_unreachable_api_fails_at_the_list(tmp_path):
    server = serve_site(tmp_path / "site", f"http://127.0.0.1:{free_port()}")
    try:
        proc = browser_check(f"http://127.0.0.1:{server.server_port}/", "-", tmp_path / "shots")
    finally:
        server.shutdown()
    assert proc.returncode == 1
    assert "step 1 list failed" in proc.stderr and "no answer" in proc.stderr, proc.stderr


def test_sign_in_mode_needs_a_user_pool_in_config_js(site, tmp_path):
    # The load balancer's lab (config.js with apiUrl only) has no sign-in to check.
    log = tmp_path / "engine.log"
    log.write_text("")
    proc = subprocess.run([sys.executable, str(SCRIPT), "--sign-in", str(log), site, "-",
                           str(tmp_path / "shots")], capture_output=True, text=True, timeout=180)
    assert proc.returncode == 1
    assert "step 1 list failed: config.js names no Cognito client on loopback" in proc.stderr, proc.stderr


def test_refuses_a_site_that_is_not_loopback(tmp_path):
    proc = browser_check("http://example.com/", "-", tmp_path / "shots")
    assert proc.returncode != 0 and "not a loopback URL" in proc.stderr


def test_click_through_on_an_s3_website_bucket(api, moto_url, tmp_path):
    """The page as the lab has it: objects in a website bucket (moto), served by the
    local engine's website endpoint at a *.localhost name the browser must resolve."""
    from moto.s3.models import s3_backends

    s3 = boto3.client("s3", endpoint_url=moto_url, region_name="us-east-1")
    s3.create_bucket(Bucket="lab-site")
    s3.put_bucket_website(Bucket="lab-site",
                          WebsiteConfiguration={"IndexDocument": {"Suffix": "index.html"}})
    for path in (ROOT / "site").rglob("*"):
        if path.is_file():
            s3.put_object(Bucket="lab-site", Key=path.relative_to(ROOT / "site").as_posix(),
                          Body=path.read_bytes(), ContentType=TYPES[path.suffix])
    s3.put_object(Bucket="lab-site", Key="config.js", ContentType="application/javascript",
                  Body=f'window.MYSFITS_CONFIG = {{"apiUrl": "{api}"}};\n'.encode())
    server = website.WebsiteServer(s3_backends).start()
    try:
        proc = browser_check(server.url("lab-site"), MARK, tmp_path / "shots")
    finally:
        server.stop()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ok  5 console" in proc.stdout


def test_adopt_button_adopts(site, table, tmp_path):
    # Not part of the lab's click-through (it changes the lab for good), so driven here.
    sys.path.insert(0, str(ROOT / "scripts"))
    import browser_check as bc
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver = bc.start_browser(tmp_path / "profile", f"127.0.0.1:{free_port()}")
    try:
        driver.get(site)
        wait = WebDriverWait(driver, 20)
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#grid .mysfit")) == 12)
        card = next(c for c in driver.find_elements(By.CSS_SELECTOR, "#grid .mysfit")
                    if not c.find_elements(By.CSS_SELECTOR, ".badge"))
        mysfit_id = card.get_attribute("data-mysfit-id")
        card.find_element(By.CSS_SELECTOR, ".open").click()
        adopt = wait.until(lambda d: d.find_element(By.ID, "profile-adopt").is_displayed()
                           and d.find_element(By.ID, "profile-adopt"))
        adopt.click()
        wait.until(lambda d: d.find_element(By.ID, "profile-adopt").text == "Adopted!")
        assert not driver.find_element(By.ID, "profile-adopt").is_enabled()
        badge = f'#grid .mysfit[data-mysfit-id="{mysfit_id}"] .badge'
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, badge))
        driver.save_screenshot(str(tmp_path / "adopted.png"))
    finally:
        driver.quit()
    assert table.get_item(Key={"MysfitId": mysfit_id})["Item"]["Adopted"] is True
