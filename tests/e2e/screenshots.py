"""Screenshots for the README: docs/screenshots/{sign-in,dashboard,integrations,integration-form,
settings,users,webhooks,delivery-log,audit-log,front-desk,serve-and-key-uses}.png.

Not part of the normal test run (pytest collects only test_*.py); scripts/screenshots.sh runs it.
The data dir has a fixed, readable path, because the Settings page shows it.

The dashboard shows one card of each level, from real connection tests against the fake
providers: Twilio answers (green), Square rejects the token (red), QuickBooks is down for
maintenance (yellow). The custom base URLs that pointed them at the fakes are removed afterwards,
so the Integrations page shows what a clinic would see.

The window signs in through its sign-in screen (shot first) as the admin, Dana Whitfield; a
manager and a front-desk user exist too, for Settings' users panel and the front desk's dashboard.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import tempfile
import urllib.request
from pathlib import Path

import pytest

from harness import ADMIN, ADMIN_PASSWORD, REPO_ROOT, App
from pages import AuditLogPage, DashboardPage, IntegrationsPage, UsersPanel, add_with_cli, center

OUT_DIR = Path(os.environ.get("SCREENSHOTS_DIR", REPO_ROOT / "docs" / "screenshots"))

# name, provider, environment, the fake's scenario, the level it leads to
DEMO = [
    ("Front desk SMS", "twilio", "live", {"scenario": "ok"}, "green"),
    ("Card payments", "square", "production", {"scenario": "wrong_credentials"}, "red"),
    ("Accounting", "quickbooks", "production", {"scenario": "server_error", "status": 503},
     "yellow"),
]


@pytest.fixture
def data_dir() -> Path:
    root = Path(tempfile.gettempdir()) / "switchboard-demo"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir()
    yield root / "data"
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def demo_webhooks(run_cli, receiver):
    """Two endpoints on a local receiver, one answering 500, with real deliveries logged."""
    receiver.answer("/crm", 200)
    receiver.answer("/legacy", 500)
    run_cli.json("--json", "endpoint", "add", receiver.url("/crm"), "--description", "Clinic CRM",
                 "--allow-http", "--allow-private")
    run_cli.json("--json", "endpoint", "add", receiver.url("/legacy"), "--description",
                 "Legacy practice system", "--event", "appointment.created", "--allow-http",
                 "--allow-private")
    for i, event in enumerate(["appointment.created", "invoice.paid", "patient.updated",
                               "appointment.created", "test.ping"]):
        run_cli("emit", event, "--data", f'{{"id": "demo_{i}", "pet_name": "Max"}}')
    run_cli("worker", "--drain")


@pytest.fixture
def demo_clinic(run_cli, fakes, demo_webhooks):
    """Three integrations with one real test each against the fakes, and the clinic's people;
    before the window opens."""
    run_cli.json("--json", "settings", "--clinic-name", "Riverside Veterinary Clinic")
    run_cli.json("--json", "user", "set", ADMIN, "--display-name", "Dana Whitfield")
    run_cli.add_user("morgan", "manager", display_name="Morgan Lee")
    run_cli.add_user("sam", "front_desk", display_name="Sam Ortiz")
    for name, provider, environment, scenario, _level in DEMO:
        add_with_cli(run_cli, provider, name, environment=environment, base_url=fakes.base_url)
        fakes.set(provider, scenario)
        run_cli("test", name)
        # Back to the provider's own address: the stored test result stays.
        run_cli.json("--json", "integration", "set", name, "--base-url", "")
    return DEMO


def shoot(app: App, name: str) -> Path:
    # WebDriver's own scrolling (before a click or typing) may have scrolled the document as well
    # as the page's scroll area; a user's window never is.
    app.driver.execute_script("document.scrollingElement.scrollTop = 0")
    path = app.screenshot(OUT_DIR / name)
    assert path.stat().st_size > 10_000, f"{path} looks empty"
    print(f"wrote {path}")
    return path


def test_screenshots(demo_clinic, start_app):
    app = start_app(user=None)
    app.type("login-username", ADMIN)
    shoot(app, "sign-in.png")
    app.sign_in(ADMIN, ADMIN_PASSWORD)

    dashboard = DashboardPage(app)
    dashboard.open()
    for name, _provider, _environment, _scenario, level in demo_clinic:
        dashboard.wait_level(name, level)
    app.text("clinic-name")
    shoot(app, "dashboard.png")

    integrations = IntegrationsPage(app)
    integrations.open()
    for name, *_ in demo_clinic:
        integrations.card(name)
    shoot(app, "integrations.png")

    integrations.open_add_form("twilio")
    integrations.fill("name", "Reminders")
    integrations.fill("account_sid", "AC123")
    integrations.error("account_sid", "34 characters")
    integrations.fill("auth_token", "0123456789abcdef0123456789abcdef")
    center(app, integrations.control("account_sid"))
    assert app.is_visible("error-account_sid")
    shoot(app, "integration-form.png")
    app.click("cancel-integration")

    app.goto("settings")
    app.text("info-schema-version")  # the data from core has arrived
    shoot(app, "settings.png")

    users = UsersPanel(app)
    users.open()
    for username in ("admin", "morgan", "sam"):
        users.row(username)
    center(app, app.find("users-panel"))
    shoot(app, "users.png")

    app.goto("webhooks")
    app.find("endpoint-card")
    shoot(app, "webhooks.png")

    app.goto("delivery-log")
    app.find("delivery-row")
    shoot(app, "delivery-log.png")

    AuditLogPage(app).open()
    app.find("audit-row")
    shoot(app, "audit-log.png")
    start_app.close(app)

    front_desk = start_app(user="sam")
    dashboard = DashboardPage(front_desk)
    dashboard.open()
    for name, _provider, _environment, _scenario, level in demo_clinic:
        dashboard.wait_level(name, level)
    shoot(front_desk, "front-desk.png")


def test_screenshot_serve_and_key_uses(run_cli, start_app, data_dir):
    """A window opened while `switchboard serve` runs the background services (the notice), and
    Settings › API keys showing a key's recent uses, which came in through serve's ingest API."""
    key = run_cli.json("--json", "apikey", "create", "--name", "Practice system", "--scope",
                       "appointment.created", "--scope", "invoice.created")
    serve, started = run_cli.start_serve()
    try:
        url = started["url"]
        for i, event_type in enumerate(["appointment.created", "invoice.created"]):
            request = urllib.request.Request(
                url, data=json.dumps({"type": event_type, "data": {"id": f"demo_{i}"}}).encode(),
                headers={"Authorization": f"Bearer {key['secret']}",
                         "Content-Type": "application/json"})
            assert urllib.request.urlopen(request).status == 202
        app = start_app(env={"SWITCHBOARD_INGEST_PORT": "0"})
        app.text("services-holder")
        app.goto("settings")
        app.click("show-api-key-uses")
        app.find("api-key-use")
        app.driver.execute_script(
            "document.querySelector('[data-testid=api-key-uses]').scrollIntoView({block: 'center'})")
        path = app.screenshot(OUT_DIR / "serve-and-key-uses.png")
        assert path.stat().st_size > 10_000, f"{path} looks empty"
        print(f"wrote {path}")
    finally:
        serve.send_signal(signal.SIGINT)
        serve.wait(timeout=30)
