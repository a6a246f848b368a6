"""scripts/browser_check.py --sign-in: the page with sign-in, on the local engine
(scripts/page_dev.py: ``python -m localaws``, a stack with the lab's user pool, HTTP API
and website bucket, the monolith, a clicks stand-in), in Debian's headless Chromium.
Fails, not skips, when Chromium is missing."""
import re
import subprocess
import sys

import boto3
import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import page_dev  # noqa: E402

SCRIPT = ROOT / "scripts" / "browser_check.py"
SHOTS = ["1-list.png", "2-weak-password.png", "3-registered.png", "4-unconfirmed.png",
         "5-wrong-code.png", "6-confirmed.png", "7-email-taken.png", "8-signed-in.png",
         "9-liked.png", "10-sign-in-prompt.png", "11-signed-in-again.png", "12-adopted.png",
         "13-profiles.png", "14-signed-out.png"]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with page_dev.lab(tmp_path_factory.mktemp("page-dev")) as site:
        yield site


def browser_check(engine_log, site_url, artifacts):
    return subprocess.run([sys.executable, str(SCRIPT), "--sign-in", str(engine_log), site_url, "-",
                           str(artifacts)], capture_output=True, text=True, timeout=300)


def aws(lab, service):
    return boto3.client(service, endpoint_url=lab.endpoint, region_name=page_dev.REGION,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def test_sign_in_flow_registers_confirms_likes_adopts_and_clicks(lab, tmp_path):
    proc = browser_check(lab.engine_log, lab.site_url, tmp_path / "shots")
    out = proc.stdout
    assert proc.returncode == 0, out + proc.stderr
    for line in ("Cognito's InvalidPasswordException", "Cognito's UserNotConfirmedException",
                 "Cognito's CodeMismatchException", "Cognito's UsernameExistsException",
                 "the API answered 401 and the page asks: Sign in to like a mysfit",
                 "ok  15 expired token", "ok  16 console"):
        assert line in out, out
    for shot in SHOTS:
        assert (tmp_path / "shots" / shot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not (tmp_path / "shots" / "failed.png").exists()

    # The visitor the page registered is confirmed in the pool, by the code, not by an admin.
    email = re.search(r"registered (visitor-[0-9a-f]{8}@example\.com)", out).group(1)
    user = aws(lab, "cognito-idp").admin_get_user(UserPoolId=lab.pool_id, Username=email)
    assert user["UserStatus"] == "CONFIRMED"

    # The three profiles the check says it opened are exactly the clicks the backend got.
    opened = re.search(r"^   clicks: (\S+) (\S+) (\S+)$", out, re.M).groups()
    assert [c["mysfitId"] for c in lab.clicks.bodies] == list(opened)

    # One like stored (the refused one not), the first profile adopted.
    table = boto3.resource("dynamodb", endpoint_url=lab.endpoint, region_name=page_dev.REGION,
                           aws_access_key_id="testing", aws_secret_access_key="testing").Table(page_dev.TABLE)
    liked = re.search(r"the heart took (\S+) from (\d+) to (\d+) likes", out).groups()
    assert int(table.get_item(Key={"MysfitId": liked[0]})["Item"]["Likes"]) == int(liked[1]) + 1
    assert table.get_item(Key={"MysfitId": opened[0]})["Item"]["Adopted"] is True


def test_a_log_without_the_code_fails_at_register(lab, tmp_path):
    # The code comes only from the engine's log: another file has none for this visitor.
    other_log = tmp_path / "other.log"
    other_log.write_text("[localaws] cognito: the confirmation code of someone@example.com in x is 123456\n")
    proc = browser_check(other_log, lab.site_url, tmp_path / "shots")
    assert proc.returncode == 1
    assert "step 3 register failed: after 20s still no confirmation code for visitor-" in proc.stderr, proc.stderr
    assert (tmp_path / "shots" / "failed.png").exists()
