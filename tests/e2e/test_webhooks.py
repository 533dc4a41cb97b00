"""Outgoing webhooks, checked from the receiving end.

A Python receiver (the `receiver` fixture) stands in for the clinic's other systems and records
every request exactly as it arrived. What Switchboard signs is verified independently: Standard
Webhooks deliveries with the `standardwebhooks` package from PyPI, the seeds' scheme with the
seed document's own verification snippet. Endpoints are added through the CLI and through the
real window's form; events come from `switchboard emit`, from "Send test event" and from the
ingest API that the window serves. Failures (410 Gone, 500, a redirect, a timeout) are checked
in the CLI's delivery log and on the Webhooks page, the dashboard and the Delivery log. After each
window test, no file in the data directory and nothing the app printed holds a secret.

Crash safety (a worker killed mid-batch) is covered by a Rust CLI test, not here.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import http.client
import json
import re
import secrets as random_secrets
import time
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest
from selenium.webdriver.common.by import By
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from harness import TIMEOUT, App, free_port, keychain_secret, poll
from pages import DashboardEndpoints, DeliveryLogPage, WebhooksPage, click, click_testid, select_value
from receiver import Received, Receiver

# The first retry after a failure comes 5 s later (±20%); see the design's schedule.
FIRST_RETRY = 6


# --------------------------------------------------------------------------------------------
# The seeds' verification code


# From the seed document (shared/seeds/000_1123fbb31475525a-paw-and-care-integrations.txt,
# "Verify Webhook Signature"), verbatim. `request` is anything with `.headers` (looked up
# without regard to case, as a web framework's are) and `.body` (the raw bytes); see
# seed_request().
def verify_webhook(request, secret):
    signature = request.headers.get('X-Webhook-Signature')
    body = request.body

    expected = hmac.new(
        secret.encode(),
        body,
        hashlib.sha256
    ).hexdigest()

    expected_signature = f"sha256={expected}"

    return hmac.compare_digest(signature, expected_signature)


# From the same document ("Build Middleware", the Flask handler), its check verbatim; adapted
# only in that the secret is a parameter instead of the module constant WEBHOOK_SECRET and the
# check returns instead of answering 401. `request.data` is Flask's raw body.
def middleware_accepts(request, WEBHOOK_SECRET):  # noqa: N803 - the seed's name
    signature = request.headers.get('X-Webhook-Signature')
    expected = f"sha256={hmac.new(WEBHOOK_SECRET.encode(), request.data, hashlib.sha256).hexdigest()}"

    if not hmac.compare_digest(signature, expected):
        return False
    return True


def seed_request(received: Received, body: bytes | None = None) -> SimpleNamespace:
    """What the seeds' snippets expect of a request, from what the receiver recorded."""
    raw = received.body if body is None else body
    return SimpleNamespace(headers=received.headers, body=raw, data=raw)


# --------------------------------------------------------------------------------------------
# Helpers


def add_endpoint(run_cli, url: str, *args: str, input: str | None = None) -> tuple[dict, str]:
    """`switchboard endpoint add URL --allow-http --allow-private ARGS` -> (endpoint, secret)."""
    out = run_cli.json("--json", "endpoint", "add", url, "--allow-http", "--allow-private", *args,
                       input=input)
    return out["endpoint"], out["secret"]


def emit(run_cli, event_type: str, data: object, *, event_id: str | None = None) -> dict:
    args = ["--json", "emit", event_type, "--data", json.dumps(data)]
    if event_id:
        args += ["--id", event_id]
    return run_cli.json(*args)


def drain(run_cli) -> None:
    """Delivers everything due now (`switchboard worker --drain`)."""
    result = run_cli("worker", "--drain", timeout=max(60, 4 * TIMEOUT))
    assert result.returncode == 0, f"worker --drain failed:\n{result.stdout}\n{result.stderr}"


def deliveries(run_cli, *filters: str) -> list[dict]:
    return run_cli.json("--json", "deliveries", "list", *filters)["rows"]


def delivery_detail(run_cli, delivery_id: str) -> dict:
    return run_cli.json("--json", "deliveries", "show", delivery_id)


def standard_verify(secret: str, received: Received) -> dict:
    """Verifies with the standardwebhooks package; returns the parsed body."""
    return Webhook(secret).verify(received.body, received.header_dict())


def refuses(secret: str, received: Received, body: bytes | None = None) -> bool:
    try:
        Webhook(secret).verify(received.body if body is None else body, received.header_dict())
    except WebhookVerificationError:
        return True
    return False


def other_secret() -> str:
    return "whsec_" + base64.b64encode(random_secrets.token_bytes(32)).decode()


def tampered(body: bytes) -> bytes:
    """The same envelope with one character of the data changed."""
    return body.replace(b'"data":{', b'"data":{"x":1,', 1)


def secret_forms(secret: str) -> list[str]:
    """A signing secret as shown, and (for whsec_ secrets) its base64 part alone."""
    forms = [secret]
    if secret.startswith("whsec_"):
        forms.append(secret[len("whsec_"):])
    return forms


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def leaks(paths: list[Path], needles: list[str]) -> dict[str, list[str]]:
    """{needle: [files holding it]}."""
    found: dict[str, list[str]] = {}
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        for needle in needles:
            if needle.encode() in data:
                found.setdefault(needle, []).append(str(path))
    return found


def assert_no_secrets_in(data_dir: Path, needles: list[str], marker: str,
                         extra: list[Path] = ()) -> None:
    """No file under the data dir (nor the extra files) holds a needle; and the scan does read
    the database: `marker` (a non-secret value core stores, e.g. a URL) is found there."""
    files = files_under(data_dir)
    assert any(p.name.startswith("switchboard.sqlite3") for p in files), files
    found = leaks([*files, *extra], needles)
    assert found == {}, f"secrets found in files: {found}"
    database = [p for p in files if p.name.startswith("switchboard.sqlite3")]
    assert leaks(database, [marker]), f"{marker!r} not in {database}: the scan reads the wrong files"


def open_window(start_app, tmp_path: Path, **env: str):
    """The app, serving its ingest API on a free port (never the default 8717, which another test
    run may hold), with a Downloads folder of its own for exports. -> (app, port, downloads)."""
    port = free_port()
    downloads = tmp_path / "downloads"
    config = tmp_path / "xdg-config"
    config.mkdir(exist_ok=True)
    (config / "user-dirs.dirs").write_text(f'XDG_DOWNLOAD_DIR="{downloads}"\n')
    app = start_app(env={"SWITCHBOARD_INGEST_PORT": str(port), "XDG_CONFIG_HOME": str(config),
                         **env})
    return app, port, downloads


# --------------------------------------------------------------------------------------------
# Signatures, verified by others' code (CLI, worker --drain)


def test_a_delivery_verifies_with_the_standardwebhooks_package(run_cli, receiver: Receiver):
    url = receiver.url("/pms/webhooks")
    token = "tok-" + random_secrets.token_hex(12)
    endpoint, secret = add_endpoint(run_cli, url, "--event", "appointment.created",
                                    "--header", f"X-Clinic-Token={token}")
    assert endpoint["scheme"] == "standard_webhooks"
    assert re.fullmatch(r"whsec_[A-Za-z0-9+/]+=*", secret), secret
    assert 24 <= len(base64.b64decode(secret[len("whsec_"):])) <= 64
    data = {"id": "apt_new123", "pet_name": "Max", "owner_name": "John Smith",
            "scheduled_date": "2026-03-20", "scheduled_time": "10:00", "type": "wellness"}
    emitted = emit(run_cli, "appointment.created", data)
    assert emitted["deliveries"] == 1 and emitted["duplicate"] is False
    event_id = emitted["eventId"]
    # Not subscribed: queued for nobody.
    assert emit(run_cli, "patient.created", {"id": "pat_1"})["deliveries"] == 0
    drain(run_cli)

    (got,) = receiver.received()
    assert got.method == "POST" and got.path == "/pms/webhooks"
    headers = got.header_dict()
    assert headers["content-type"].startswith("application/json")
    assert headers["webhook-id"] == event_id
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 300
    assert headers["x-clinic-token"] == token, "the custom header was not sent as stored"
    # The PyPI package accepts it, and returns the envelope.
    envelope = standard_verify(secret, got)
    assert set(envelope) == {"id", "event", "timestamp", "data"}, envelope
    assert envelope["id"] == event_id
    assert envelope["event"] == "appointment.created"
    assert envelope["data"] == data
    # ... and refuses another secret, or a body changed by one byte.
    assert refuses(other_secret(), got)
    assert refuses(secret, got, tampered(got.body))

    (row,) = deliveries(run_cli, "--event", event_id)
    assert row["status"] == "succeeded" and row["lastStatus"] == 200, row
    # The body logged is the body sent, byte for byte.
    assert delivery_detail(run_cli, row["id"])["payload"].encode() == got.body
    # The secret and the header's value are in the keychain, not in the data dir.
    assert keychain_secret(f"webhook/{endpoint['id']}/secret") == secret
    assert_no_secrets_in(run_cli.data_dir, [*secret_forms(secret), token], marker=url)


def test_the_seeds_scheme_verifies_with_the_seed_documents_own_code(run_cli, receiver: Receiver):
    url = receiver.url("/paw-and-care")
    secret = "paw-and-care-" + random_secrets.token_hex(16)  # "Secret: Generate random string"
    endpoint, shown = add_endpoint(run_cli, url, "--hex-signature", "--secret-from-stdin",
                                   "--event", "appointment.cancelled",
                                   "--event", "emergency.detected", input=secret + "\n")
    assert endpoint["scheme"] == "hmac_sha256_hex"
    assert shown == secret, "the secret given on stdin is the one stored"
    first = emit(run_cli, "emergency.detected", {"pet_name": "Bella", "summary": "bloat"})
    second = emit(run_cli, "appointment.cancelled", {"id": "apt_9", "pet_name": "Max"})
    drain(run_cli)

    got = {r.header_dict()["webhook-id"]: r for r in receiver.received("/paw-and-care")}
    assert set(got) == {first["eventId"], second["eventId"]}, receiver.describe()
    for event_id, request in got.items():
        signature = request.headers.get("X-Webhook-Signature")
        assert signature and re.fullmatch(r"sha256=[0-9a-f]{64}", signature), signature
        assert verify_webhook(seed_request(request), secret), f"the seed's check refused {event_id}"
        assert middleware_accepts(seed_request(request), secret)
        # The seed's check is not a rubber stamp: a wrong secret or a changed body fail it.
        assert not verify_webhook(seed_request(request), secret + "x")
        assert not verify_webhook(seed_request(request, tampered(request.body)), secret)
        assert json.loads(request.body)["id"] == event_id
    assert json.loads(got[first["eventId"]].body)["event"] == "emergency.detected"
    assert_no_secrets_in(run_cli.data_dir, [secret], marker=url)


def test_after_rotation_a_delivery_verifies_with_the_old_and_the_new_secret(
        run_cli, receiver: Receiver):
    url = receiver.url("/rotating")
    endpoint, old = add_endpoint(run_cli, url)
    before = emit(run_cli, "invoice.paid", {"invoice_id": "inv_1", "amount": "120.00"})
    drain(run_cli)
    (first,) = receiver.received("/rotating")
    standard_verify(old, first)

    rotated = run_cli.json("--json", "endpoint", "rotate-secret", endpoint["id"])
    new = rotated["secret"]
    assert new.startswith("whsec_") and new != old
    (stored,) = [e for e in run_cli.json("--json", "endpoint", "list") if e["id"] == endpoint["id"]]
    until = stored["previousSecretValidUntil"]
    assert until, stored
    left = (datetime.fromisoformat(until.replace("Z", "+00:00"))
            - datetime.now(timezone.utc)).total_seconds()
    assert 23 * 3600 < left <= 24 * 3600 + 60, f"the old secret keeps signing until {until}"

    after = emit(run_cli, "invoice.paid", {"invoice_id": "inv_2", "amount": "50.00"})
    drain(run_cli)
    second = receiver.wait_for(lambda r: r.header_dict().get("webhook-id") == after["eventId"])
    signatures = second.header_dict()["webhook-signature"].split(" ")
    assert len(signatures) == 2 and all(s.startswith("v1,") for s in signatures), signatures
    # A receiver still on the old secret and one already on the new one both accept it.
    assert standard_verify(old, second)["id"] == after["eventId"]
    assert standard_verify(new, second)["id"] == after["eventId"]
    assert refuses(other_secret(), second)
    # The delivery from before the rotation was signed with the old secret only.
    assert refuses(new, first)
    assert before["eventId"] != after["eventId"]

    assert keychain_secret(f"webhook/{endpoint['id']}/secret") == new
    assert keychain_secret(f"webhook/{endpoint['id']}/previous_secret") == old
    assert_no_secrets_in(run_cli.data_dir, [*secret_forms(old), *secret_forms(new)], marker=url)


def test_redirects_are_not_followed_and_a_slow_receiver_times_out(run_cli, receiver: Receiver):
    elsewhere = receiver.url("/elsewhere")
    receiver.answer("/moved", 301, headers={"Location": elsewhere})
    receiver.answer("/slow", 200, delay=10)
    moved, _ = add_endpoint(run_cli, receiver.url("/moved"))
    slow, _ = add_endpoint(run_cli, receiver.url("/slow"), "--timeout", "1")
    event_id = emit(run_cli, "test.ping", {})["eventId"]
    started = time.monotonic()
    drain(run_cli)
    assert time.monotonic() - started < 8, "the worker waited for the slow receiver's answer"

    rows = {r["endpointId"]: r for r in deliveries(run_cli, "--event", event_id)}
    assert rows[moved["id"]]["status"] == "retrying" and rows[moved["id"]]["lastStatus"] == 301
    assert "redirect" in rows[moved["id"]]["lastError"].lower()
    (attempt,) = delivery_detail(run_cli, rows[moved["id"]]["id"])["attempts"]
    assert attempt["errorClass"] == "redirect" and attempt["nextAttemptAt"], attempt
    assert receiver.received("/elsewhere") == [], "the redirect was followed"

    assert rows[slow["id"]]["status"] == "retrying" and rows[slow["id"]]["lastStatus"] is None
    (attempt,) = delivery_detail(run_cli, rows[slow["id"]]["id"])["attempts"]
    assert attempt["errorClass"] == "timeout", attempt
    assert 900 <= attempt["durationMs"] < 5000, attempt


# --------------------------------------------------------------------------------------------
# The real window


def test_add_an_endpoint_in_the_window_and_send_a_test_event_that_verifies(
        start_app, run_cli, receiver: Receiver, data_dir, tmp_path):
    url = receiver.url("/hooks/pms")
    app, _port, _ = open_window(start_app, tmp_path)
    page = WebhooksPage(app)
    page.open()
    assert app.exists("webhooks-empty"), "a fresh data dir has no endpoints"

    # A mistake first: not a web address Switchboard can send to.
    page.open_add_form()
    page.fill("url", "ftp://x")
    page.fill("description", "Practice management")
    page.save()
    message = page.error("url")
    assert "https://" in message or "http" in message.lower(), message
    assert app.exists("form-error")
    assert run_cli.json("--json", "endpoint", "list") == [], "nothing may be saved"

    # The receiver: plain HTTP to this computer, which must be allowed on the endpoint.
    page.fill("url", url)
    page.tick("allow_http")
    page.tick("allow_private")
    page.save()
    panel = app.find("secret-once")
    assert panel.get_attribute("data-kind") == "created"
    secret = page.shown_secret()
    assert secret.startswith("whsec_"), secret
    card = page.card(url)
    assert card.get_attribute("data-enabled") == "true"
    assert page.text_in_card(url, "endpoint-name") == "Practice management"

    (stored,) = run_cli.json("--json", "endpoint", "list")
    assert stored["url"] == url and stored["description"] == "Practice management"
    assert stored["allowHttp"] is True and stored["allowPrivate"] is True
    assert stored["scheme"] == "standard_webhooks"
    assert keychain_secret(f"webhook/{stored['id']}/secret") == secret, (
        "the secret on screen is not the one stored")

    # Closed, the secret is gone from the page for good.
    click_testid(app, "close-secret")
    poll(lambda: not app.exists("secret-once"), message="the secret panel to close")
    assert secret not in app.driver.page_source

    # Send test event: a test.ping that the receiver can verify with the secret read off the screen.
    page.click_in_card(url, "send-test-event")
    app.find("send-test-dialog")
    assert app.find("test-event-type").get_property("value") == "test.ping"
    click_testid(app, "send-test-submit")
    result = app.find("test-event-result")
    assert result.get_attribute("data-deliveries") == "1", app.rendered_text(result)
    event_id = app.text("test-event-id")
    assert event_id.startswith("evt_"), event_id
    got = receiver.wait_for(lambda r: r.header_dict().get("webhook-id") == event_id,
                            what=f"the test event {event_id}")
    assert got.path == "/hooks/pms"
    envelope = standard_verify(secret, got)
    assert envelope["event"] == "test.ping" and envelope["id"] == event_id
    assert refuses(other_secret(), got)

    # The Delivery log (the dialog links to it, filtered to this event) shows it delivered.
    click_testid(app, "test-event-deliveries")
    log = DeliveryLogPage(app)
    app.find("page-delivery-log")
    log.wait_loaded()
    assert app.find("filter-event-id").get_property("value") == event_id
    (row,) = deliveries(run_cli, "--event", event_id)
    log.wait_status(row["id"], "succeeded")
    assert [r["event_id"] for r in log.rows()] == [event_id]

    detail = log.open_detail(row["id"])
    poll(lambda: log.detail_attempts(), message="the attempts in the detail")
    assert detail.get_attribute("data-id") == row["id"]
    poll(lambda: app.find("delivery-detail").get_attribute("data-status") == "succeeded",
         message="the detail to say succeeded")
    (attempt,) = log.detail_attempts()
    assert attempt["status_code"] == "200" and attempt["error_class"] == "", attempt
    assert "200" in attempt["outcome"], attempt
    assert not app.exists("resend-delivery"), "a delivered event offers no resend"
    # The exact bytes shown are the bytes the receiver got.
    click(app, app.find("payload-exact"))
    poll(lambda: app.find("delivery-payload").get_attribute("data-exact") == "true",
         message="the exact payload")
    assert App.rendered_text(app.find("delivery-payload")).encode() == got.body

    start_app.close(app)
    assert_no_secrets_in(data_dir, secret_forms(secret), marker=url, extra=[app.app_log])


@pytest.fixture
def failing_receivers(run_cli, receiver: Receiver):
    """Three endpoints made before the window opens, each answering differently, and one event
    (appointment.created) queued for all three: the window's own worker delivers it on start."""
    receiver.answer("/gone", 410, body="this webhook was removed")
    receiver.answer("/broken", 500, body="database is down")
    urls = {"ok": receiver.url("/ok"), "gone": receiver.url("/gone"),
            "broken": receiver.url("/broken")}
    names = {"ok": "Reminders service", "gone": "Old lab system", "broken": "Billing bridge"}
    endpoints, secrets = {}, {}
    for key, url in urls.items():
        endpoints[key], secrets[key] = add_endpoint(run_cli, url, "--description", names[key])
    event = emit(run_cli, "appointment.created", {"id": "apt_77", "pet_name": "Rex"})
    assert event["deliveries"] == 3
    rows = {r["endpointId"]: r for r in deliveries(run_cli, "--event", event["eventId"])}
    delivery_ids = {key: rows[e["id"]]["id"] for key, e in endpoints.items()}
    return SimpleNamespace(urls=urls, endpoints=endpoints, secrets=secrets,
                           event_id=event["eventId"], delivery_ids=delivery_ids)


def test_a_410_disables_the_endpoint_and_turns_its_card_red_with_the_reason(
        failing_receivers, start_app, run_cli, receiver: Receiver, tmp_path):
    f = failing_receivers
    app, _port, _ = open_window(start_app, tmp_path)
    receiver.wait_count("/gone", 1)
    receiver.wait_count("/broken", 1)
    receiver.wait_count("/ok", 1)

    page = WebhooksPage(app)
    page.open()
    gone = f.urls["gone"]
    page.wait_level(gone, "red")
    page.wait_card(gone, lambda c: c.get_attribute("data-enabled") == "false", "disabled")
    assert page.text_in_card(gone, "endpoint-state") == "Disabled by Switchboard"
    reason = page.text_in_card(gone, "endpoint-disabled-reason")
    assert "410" in reason, reason
    page.wait_level(f.urls["ok"], "green")
    assert page.text_in_card(f.urls["ok"], "endpoint-state") == "Enabled"
    # 500: still enabled, a retry pending, yellow.
    page.wait_level(f.urls["broken"], "yellow")
    page.wait_card(f.urls["broken"],
                   lambda c: App.rendered_text(c.find_element(
                       By.CSS_SELECTOR, '[data-testid="endpoint-retrying"]')) == "1",
                   "one delivery retrying")
    assert page.text_in_card(f.urls["broken"], "endpoint-state") == "Enabled"

    stored = {e["id"]: e for e in run_cli.json("--json", "endpoint", "list")}
    assert stored[f.endpoints["gone"]["id"]]["enabled"] is False
    assert "410" in stored[f.endpoints["gone"]["id"]]["disabledReason"]
    assert stored[f.endpoints["broken"]["id"]]["enabled"] is True
    assert len(receiver.received("/gone")) == 1, "a 410 must not be retried"

    # Enable brings it back (a user's decision); the card is no longer disabled.
    page.click_in_card(gone, "toggle-endpoint")
    page.wait_card(gone, lambda c: c.get_attribute("data-enabled") == "true", "enabled again")
    assert page.text_in_card(gone, "endpoint-state") == "Enabled"
    stored = {e["id"]: e for e in run_cli.json("--json", "endpoint", "list")}
    assert stored[f.endpoints["gone"]["id"]]["enabled"] is True


def test_the_dashboard_shows_the_410_endpoint_red_the_500_yellow_and_acknowledges_gave_up(
        failing_receivers, start_app, run_cli, receiver: Receiver, tmp_path):
    f = failing_receivers
    app, _port, _ = open_window(start_app, tmp_path)
    for path in ("/ok", "/gone", "/broken"):
        receiver.wait_count(path, 1)
    dashboard = DashboardEndpoints(app)
    dashboard.open()
    gone, broken, ok = f.urls["gone"], f.urls["broken"], f.urls["ok"]

    dashboard.wait_level(gone, "red")
    reason = dashboard.text_in_card(gone, "endpoint-reason")
    assert "410" in reason and "disabled" in reason.lower(), reason
    assert dashboard.text_in_card(gone, "endpoint-action"), "red says what to do"
    assert dashboard.text_in_card(gone, "endpoint-dead") == "1"
    dashboard.wait_level(broken, "yellow")
    assert "retried" in dashboard.text_in_card(broken, "endpoint-reason")
    assert dashboard.text_in_card(broken, "endpoint-retrying") == "1"
    dashboard.wait_level(ok, "green")
    assert not dashboard.card(ok).find_elements(By.CSS_SELECTOR, '[data-testid="endpoint-action"]')
    assert not dashboard.card(ok).find_elements(By.CSS_SELECTOR, '[data-testid="acknowledge-dead"]')

    # Acknowledge the delivery that gave up: it is counted no more; the card stays red, since
    # the endpoint is still disabled.
    click(app, dashboard.card(gone).find_element(By.CSS_SELECTOR,
                                                 '[data-testid="acknowledge-dead"]'))
    done = app.wait_text("acknowledge-result", lambda text: "1 delivery" in text)
    assert "Acknowledged" in done, done
    poll(lambda: dashboard.text_in_card(gone, "endpoint-dead") == "0",
         message="the gave-up count to drop to 0")
    assert not dashboard.card(gone).find_elements(By.CSS_SELECTOR,
                                                  '[data-testid="acknowledge-dead"]')
    dashboard.wait_level(gone, "red")
    assert "410" in dashboard.text_in_card(gone, "endpoint-reason")
    (row,) = deliveries(run_cli, "--endpoint", f.endpoints["gone"]["id"])
    assert row["status"] == "dead", "acknowledging keeps the delivery in the log"

    # The 500's card links to the Delivery log, filtered to that endpoint.
    click(app, dashboard.card(broken).find_element(By.CSS_SELECTOR,
                                                   '[data-testid="endpoint-log-link"]'))
    app.find("page-delivery-log")
    log = DeliveryLogPage(app)
    log.wait_rows(lambda rows: [r["id"] for r in rows] == [f.delivery_ids["broken"]],
                  "only the delivery to the failing endpoint")
    assert app.find("filter-endpoint").get_property("value") == f.endpoints["broken"]["id"]


def test_failed_deliveries_in_the_log_filter_export_and_resend(
        failing_receivers, start_app, run_cli, receiver: Receiver, data_dir, tmp_path):
    f = failing_receivers
    app, _port, downloads = open_window(start_app, tmp_path)
    receiver.wait_count("/broken", 1)
    log = DeliveryLogPage(app)
    log.open()
    ids = f.delivery_ids
    log.wait_status(ids["ok"], "succeeded")
    log.wait_status(ids["gone"], "dead")
    log.wait_status(ids["broken"], "retrying")
    assert len(log.rows()) == 3

    def has_resend(delivery_id: str) -> bool:
        return bool(log.row(delivery_id).find_elements(By.CSS_SELECTOR,
                                                       '[data-testid="resend-row"]'))

    assert has_resend(ids["broken"]) and has_resend(ids["gone"])
    assert not has_resend(ids["ok"]), "a delivered row offers no resend"

    # Only the failed one that will be retried.
    select_value(app, "filter-status", "retrying")
    log.wait_rows(lambda rows: [r["id"] for r in rows] == [ids["broken"]],
                  "only the retrying delivery")
    assert all(r["status"] == "retrying" for r in log.rows())
    assert "1 delivery" in app.text("delivery-count")

    # Export what is shown, as CSV.
    click_testid(app, "export-csv")
    app.find("export-result")
    path = Path(app.text("export-path"))
    assert path.parent == downloads, f"exported to {path}, not the Downloads folder {downloads}"
    assert path.suffix == ".csv" and path.is_file(), path
    with open(path, newline="") as handle:
        exported = list(csv.DictReader(handle))
    assert len(exported) == 1, exported
    (line,) = exported
    assert line["id"] == ids["broken"] and line["event_id"] == f.event_id
    assert line["status"] == "retrying" and line["last_status"] == "500"
    assert line["endpoint_url"] == f.urls["broken"] and line["event_type"] == "appointment.created"
    assert line["next_attempt_at"], line

    # Its detail: the 500, and Resend.
    log.open_detail(ids["broken"])
    poll(lambda: log.detail_attempts(), message="the attempts in the detail")
    assert log.detail_attempts()[-1]["status_code"] == "500"
    assert app.is_visible("resend-delivery")

    # The automatic retry 5 s later fails too; then the receiver is fixed and Resend delivers it.
    receiver.wait_count("/broken", 2, timeout=FIRST_RETRY + TIMEOUT)
    poll(lambda: delivery_detail(run_cli, ids["broken"])["delivery"]["attempts"] >= 2,
         message="the retry to be recorded")
    poll(lambda: len(log.detail_attempts()) >= 2, message="the detail to show both attempts")
    receiver.answer("/broken", 200)
    click_testid(app, "resend-delivery")
    app.find("resend-delivery-result")
    receiver.wait_count("/broken", 3)
    poll(lambda: delivery_detail(run_cli, ids["broken"])["delivery"]["status"] == "succeeded",
         message="the resent delivery to succeed")
    poll(lambda: app.find("delivery-detail").get_attribute("data-status") == "succeeded",
         message="the detail to say succeeded")
    assert log.detail_attempts()[0]["status_code"] == "200"
    # Nothing is retrying any more: the filtered list empties.
    app.find("delivery-log-no-match")
    # The resent body is the same event, still verifiable.
    last = receiver.received("/broken")[-1]
    assert standard_verify(f.secrets["broken"], last)["id"] == f.event_id

    start_app.close(app)
    needles = [form for secret in f.secrets.values() for form in secret_forms(secret)]
    assert_no_secrets_in(data_dir, needles, marker=f.urls["broken"], extra=[app.app_log, path])


# --------------------------------------------------------------------------------------------
# The ingest API the window serves


def post_event(port: int, body: bytes, key: str | None) -> tuple[int, dict, dict]:
    """POST /v1/events -> (status, headers, JSON body). Tolerates a server that answers (413)
    before it has read everything."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=max(30, TIMEOUT))
    try:
        conn.putrequest("POST", "/v1/events")
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Content-Length", str(len(body)))
        if key is not None:
            conn.putheader("Authorization", f"Bearer {key}")
        conn.endheaders()
        try:
            for start in range(0, len(body), 64 * 1024):
                conn.send(body[start:start + 64 * 1024])
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused unread; the answer is already on its way
        response = conn.getresponse()
        raw = response.read()
        headers = {k.lower(): v for k, v in response.getheaders()}
        assert headers.get("content-type", "").startswith("application/json"), (response.status,
                                                                                headers, raw)
        return response.status, headers, json.loads(raw)
    finally:
        conn.close()


def ingest_ready(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/v1/health")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


def test_the_ingest_api_of_the_window_queues_signed_deliveries_and_refuses_with_json(
        start_app, run_cli, receiver: Receiver, data_dir, tmp_path):
    url = receiver.url("/from-pms")
    endpoint, secret = add_endpoint(run_cli, url, "--event", "test.ping",
                                    "--event", "appointment.created")
    key = run_cli.json("--json", "apikey", "create", "--name", "t", "--scope", "test.ping")
    api_key, key_id = key["secret"], key["key"]["id"]
    assert api_key.startswith("sbk_")
    app, port, _ = open_window(start_app, tmp_path)
    poll(lambda: ingest_ready(port), timeout=max(TIMEOUT, 30),
         message=f"the window's ingest API on port {port}")

    # Accepted: 202, queued, and the receiver gets it, signed.
    event_id = "evt_" + random_secrets.token_hex(16)
    event = {"type": "test.ping", "data": {"hello": "from the PMS"}, "id": event_id}
    status, _, answer = post_event(port, json.dumps(event).encode(), api_key)
    assert status == 202, answer
    assert answer == {"id": event_id, "duplicate": False, "deliveries": 1}
    got = receiver.wait_for(lambda r: r.header_dict().get("webhook-id") == event_id)
    envelope = standard_verify(secret, got)
    assert envelope["data"] == {"hello": "from the PMS"} and envelope["event"] == "test.ping"

    # The same id again: accepted as a duplicate, nothing new queued.
    status, _, answer = post_event(port, json.dumps(event).encode(), api_key)
    assert status == 200 and answer["duplicate"] is True and answer["deliveries"] == 0, answer

    # Refused, each with a JSON body naming the problem.
    other = {"type": "test.ping", "data": {}, "id": "evt_" + random_secrets.token_hex(16)}
    out_of_scope = {"type": "appointment.created", "data": {"id": "apt_1"}}
    huge = {"type": "test.ping", "data": {"blob": "x" * 1_500_000}}  # 1.5 MB; the limit is 1 MiB
    refusals = [
        (other, "sbk_" + "x" * 43, 401, "api_key_invalid", "authorization"),
        (other, None, 401, "api_key_missing", "authorization"),
        (out_of_scope, api_key, 403, "out_of_scope", "type"),
        (huge, api_key, 413, "payload_too_large", "data"),
    ]
    for body, presented, want_status, want_code, want_field in refusals:
        status, headers, answer = post_event(port, json.dumps(body).encode(), presented)
        assert (status, answer.get("code"), answer.get("field")) == (
            want_status, want_code, want_field), answer
        assert answer.get("message"), answer
        if status == 401:
            assert headers.get("www-authenticate") == "Bearer", headers

    # A sentinel sent after all that arrives; by then a second copy of the first would have too.
    sentinel = "evt_" + random_secrets.token_hex(16)
    status, _, _ = post_event(port, json.dumps({"type": "test.ping", "data": {}, "id": sentinel})
                              .encode(), api_key)
    assert status == 202
    receiver.wait_for(lambda r: r.header_dict().get("webhook-id") == sentinel)
    ids = [r.header_dict().get("webhook-id") for r in receiver.received("/from-pms")]
    assert ids.count(event_id) == 1, f"delivered {ids.count(event_id)} times: {ids}"
    assert sorted(ids) == sorted([event_id, sentinel]), "a refused event was delivered"
    assert len(deliveries(run_cli, "--event", event_id)) == 1

    # Only refusals are in the audit log (one row per key and reason a minute); accepted events
    # are the key's usage log, read from the events themselves.
    uses = [row for row in run_cli.json("--json", "audit", "list", "--limit", "50")
            if row["action"] == "api_key.use"]
    uses.reverse()  # oldest first
    described = "\n".join(f"{u['result']} {u['actor']} {u['objectId']} {u['detail']}" for u in uses)
    assert [u["result"] for u in uses] == ["refused"] * 4, described
    assert uses[0]["actor"] == "api:unknown" and uses[0]["objectId"] is None, described
    assert uses[1]["actor"] == "api:unknown" and "no API key" in uses[1]["detail"], described
    assert uses[2]["objectId"] == key_id and "appointment.created" in uses[2]["detail"], described
    assert uses[3]["objectId"] == key_id, described
    used = run_cli.json("--json", "apikey", "uses", key_id)
    assert [u["eventId"] for u in used["uses"]] == [sentinel, event_id], used
    assert used["refused"] == 2, used
    shown = run_cli.json("--json", "apikey", "list")
    assert shown[0]["lastUsedAt"], shown

    start_app.close(app)
    assert_no_secrets_in(data_dir, [api_key, *secret_forms(secret)], marker=url,
                         extra=[app.app_log])
