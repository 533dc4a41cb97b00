"""Local accounts in the real window: first-run setup, sign-in, the lock screen and the idle lock,
what a front-desk user may see and do, the admin's Users panel, and a database copied to another
computer (its secrets missing from that computer's keychain).

The CLI (`run_cli`) acts as the seeded admin unless a test says otherwise; users are added with
`run_cli.add_user`, which remembers their passwords (harness.ROLE_PASSWORDS) for `start_app(user=
…)` and `run_cli(..., user=…)`.
"""

from __future__ import annotations

import shutil
import time

import pytest
from selenium.webdriver.common.by import By

from harness import (
    ADMIN,
    ADMIN_PASSWORD,
    CLINIC_NAME,
    ROLE_PASSWORDS,
    TIMEOUT,
    App,
    keychain_secret,
    poll,
)
from pages import DashboardPage, UsersPanel, add_with_cli

NOT_RESOLVABLE = "https://switchboard-e2e.invalid"  # .invalid never resolves (RFC 2606)
# Sections nobody may reach without the permission, and what a front-desk user may see instead.
CONFIGURE_ONLY = ("integrations", "webhooks", "settings")
ADMIN_ONLY = ("audit-log",)
# Buttons that change something, none of which a front-desk user may be offered.
CHANGING_ACTIONS = ('[data-testid^="edit-"]', '[data-testid^="remove-"]',
                    '[data-testid^="toggle-"]', '[data-testid="add-integration"]',
                    '[data-testid="add-endpoint"]', '[data-testid="dashboard-go-to-integrations"]',
                    '[data-testid="send-test-event"]', '[data-testid="acknowledge-dead"]')


def role_shown(app: App) -> str:
    return app.text("current-role")


def shown_in_dom(app: App, testids) -> list[str]:
    """Which of these test ids are in the DOM at all (visible or not)."""
    return [t for t in testids if app.find_all(f'[data-testid="{t}"]')]


def stays_away(app: App, testid: str, seconds: float = 3.0) -> None:
    """The element does not become visible within `seconds` (asked a few times a second)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert not app.is_visible(testid), f"{testid} was shown"
        time.sleep(0.2)


def page_stays_away(app: App, section: str, seconds: float = 3.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert not app.page_visible(section), f"the {section} page was shown"
        time.sleep(0.2)


def login_rows(run_cli, result: str) -> list[dict]:
    return run_cli.json("--json", "audit", "list", "--action", "session.login", "--result", result,
                        "--limit", "200")


# --------------------------------------------------------------------------------------------
# First run and sign-in


def test_first_run_refuses_a_weak_password_then_opens_the_app_as_its_admin(start_app, run_cli):
    app = start_app(first_run=True)
    assert app.screen() == "setup"
    assert not app.exists("sidebar"), "nothing of the app before setup"

    app.type("setup-clinic-name", "Maple Street Vets")
    app.type("setup-username", "dana")
    app.type("setup-display-name", "Dana Whitfield")
    app.type("setup-password", "password123")
    app.type("setup-password-confirm", "password123")
    app.click("setup-submit")

    error = app.wait_text("error-password", lambda text: bool(text))
    assert any(word in error.lower() for word in ("common", "guess", "weak", "short")), error
    assert app.screen() == "setup"
    # Nothing was set up: the CLI still sees a fresh install.
    assert run_cli.json("info", "--json")["clinicName"] is None

    strong = "lantern-quartz-73-harbor"
    app.type("setup-password", strong)
    app.type("setup-password-confirm", strong)
    app.click("setup-submit")
    app.wait_screen("shell")
    app.find("page-dashboard")

    assert app.wait_text("clinic-name", "Maple Street Vets")
    assert app.wait_text("current-role", lambda text: text.lower() == "admin")
    assert "Dana Whitfield" in app.text("current-user")

    # The admin made in the window is the one the CLI signs in as.
    run_cli.passwords["dana"] = strong
    users = run_cli.json("--json", "user", "list", user="dana")
    assert [(u["username"], u["role"], u["displayName"]) for u in users] == [
        ("dana", "admin", "Dana Whitfield")]
    assert run_cli.json("info", "--json")["clinicName"] == "Maple Street Vets"


def test_a_wrong_password_is_refused_on_the_sign_in_screen_and_the_right_one_opens_the_app(
        start_app, run_cli):
    app = start_app(user=None)
    assert app.screen() == "login"
    assert not app.exists("sidebar"), "nothing of the app before signing in"

    app.type("login-username", ADMIN)
    app.type("login-password", "not-the-password-at-all")
    app.click("login-submit")
    error = app.text("login-error")
    assert "password" in error.lower(), error
    assert app.screen() == "login"
    assert not app.exists("page-dashboard")

    app.sign_in(ADMIN, ADMIN_PASSWORD)
    assert app.wait_text("current-role", lambda text: text.lower() == "admin")
    assert ADMIN in app.text("current-user").lower()
    assert app.wait_text("clinic-name", CLINIC_NAME)

    # Sign out: back to the sign-in screen, nothing of the app left.
    app.sign_out()
    assert shown_in_dom(app, ["sidebar", "page-dashboard", "current-user"]) == []

    failed = [r for r in login_rows(run_cli, "failed") if "via app" in (r["detail"] or "")]
    assert len(failed) == 1, failed
    ok = [r for r in login_rows(run_cli, "ok") if r["detail"] == "via app"]
    assert [r["actor"] for r in ok] == [ADMIN], ok


# --------------------------------------------------------------------------------------------
# The lock screen


def test_lock_hides_everything_until_the_password_is_typed(run_cli, start_app):
    add_with_cli(run_cli, "twilio", "Front desk SMS", base_url=NOT_RESOLVABLE)
    app = start_app()
    dashboard = DashboardPage(app)
    dashboard.open()
    dashboard.card("Front desk SMS")

    app.lock()
    assert ADMIN in app.text("lock-user").lower()
    gone = shown_in_dom(app, ["sidebar", "page-dashboard", "dashboard-integration",
                              "clinic-name", "nav-settings"])
    assert gone == [], f"still in the DOM behind the lock screen: {gone}"

    app.type("unlock-password", "not-the-password-at-all")
    app.click("unlock-submit")
    app.text("unlock-error")
    assert app.screen() == "lock"
    assert not app.exists("dashboard-integration")

    app.unlock(ADMIN_PASSWORD)
    dashboard.card("Front desk SMS")
    assert app.is_visible("sidebar")
    actions = [r["action"] for r in run_cli.json("--json", "audit", "list", "--action", "session",
                                                 "--limit", "50")]
    assert "session.lock" in actions, actions


@pytest.mark.slow
def test_the_window_locks_itself_after_the_idle_time(run_cli, start_app):
    run_cli.json("--json", "settings", "--idle-lock-minutes", "1")
    add_with_cli(run_cli, "twilio", "Front desk SMS", base_url=NOT_RESOLVABLE)
    app = start_app()
    DashboardPage(app).card("Front desk SMS")
    signed_in = time.monotonic()

    # Nothing typed or clicked from now on; the harness only looks.
    app.wait_screen("lock", timeout=150)
    waited = time.monotonic() - signed_in
    assert waited >= 50, f"locked after {waited:.0f} s, before the minute was up"
    gone = shown_in_dom(app, ["sidebar", "page-dashboard", "dashboard-integration"])
    assert gone == [], f"still in the DOM behind the lock screen: {gone}"
    # Core agrees: the window's commands are refused until the password is typed.
    actions = [r["action"] for r in run_cli.json("--json", "audit", "list", "--action", "session",
                                                 "--limit", "50")]
    assert any("idle" in a or a == "session.lock" for a in actions), actions

    app.unlock(ADMIN_PASSWORD)
    DashboardPage(app).card("Front desk SMS")


# --------------------------------------------------------------------------------------------
# Front desk


def test_front_desk_sees_the_dashboard_and_delivery_log_and_can_only_test(run_cli, fakes,
                                                                          start_app):
    add_with_cli(run_cli, "twilio", "Front desk SMS", base_url=fakes.base_url)
    app = start_app(role="front_desk")
    assert app.wait_text("current-role", lambda text: text.lower() == "front desk")

    links = app.find("sidebar").find_elements(By.CSS_SELECTOR, '[data-testid^="nav-"]')
    assert [link.get_attribute("data-testid") for link in links] == [
        "nav-dashboard", "nav-delivery-log", "nav-sync-log"]

    # Test now works for them.
    dashboard = DashboardPage(app)
    dashboard.open()
    dashboard.test_now("Front desk SMS")
    dashboard.wait_result("Front desk SMS", "ok")
    dashboard.wait_level("Front desk SMS", "green")
    assert fakes.requests(), "the test reached the (fake) provider"

    # Nothing that changes anything is offered.
    offered = [css for css in CHANGING_ACTIONS if app.find_all(css)]
    assert offered == [], f"front desk is offered {offered}"
    app.goto("delivery-log")
    offered = [css for css in ('[data-testid^="resend"]', '[data-testid^="export-"]')
               if app.find_all(css)]
    assert offered == [], f"front desk is offered {offered} in the Delivery log"

    # Typing a page's address does not open it either.
    for section in (*CONFIGURE_ONLY, *ADMIN_ONLY):
        app.driver.execute_script("window.location.hash = arguments[0]", f"#/{section}")
        page_stays_away(app, section)
    assert app.screen() == "shell"

    # Core refuses the same for the CLI.
    refused = run_cli("--json", "settings", "--clinic-name", "Front Desk Was Here",
                      user="front_desk")
    assert refused.returncode != 0 and '"forbidden"' in refused.stderr, refused.stderr
    assert run_cli.json("--json", "settings")["clinicName"] == CLINIC_NAME


# --------------------------------------------------------------------------------------------
# Users panel


def test_the_admin_adds_a_manager_and_cannot_demote_the_last_admin(app: App, run_cli):
    panel = UsersPanel(app)
    panel.open()
    password = ROLE_PASSWORDS["manager"]

    row = panel.add("morgan", "manager", password, display_name="Morgan Lee")
    assert "Morgan Lee" in App.rendered_text(row)
    users = {u["username"]: u for u in run_cli.json("--json", "user", "list")}
    assert users["morgan"]["role"] == "manager" and users["morgan"]["enabled"] is True
    run_cli.passwords["morgan"] = password
    assert run_cli("--json", "status", user="morgan").returncode == 0, "the manager can sign in"

    panel.set_role(ADMIN, "manager")
    error = panel.row_error(ADMIN)
    assert "admin" in error.lower(), error
    users = {u["username"]: u for u in run_cli.json("--json", "user", "list")}
    assert users[ADMIN]["role"] == "admin", "the last admin stays an admin"
    select = panel.in_row(ADMIN, "user-role-select")
    poll(lambda: select.get_property("value") == "admin",
         message="the row to show the admin's role again")
    assert app.wait_text("current-role", lambda text: text.lower() == "admin")


# --------------------------------------------------------------------------------------------
# A database copied to another computer


def test_a_database_on_another_computer_names_the_secrets_its_keychain_lacks(
        run_cli, start_app, data_dir, tmp_path, other_keyring):
    integration = add_with_cli(run_cli, "twilio", "Front desk SMS", base_url=NOT_RESOLVABLE)
    assert keychain_secret(f"integration/{integration['id']}/auth_token"), "stored here"

    # This computer has the secret: no banner.
    here = start_app()
    DashboardPage(here).card("Front desk SMS")
    stays_away(here, "missing-secrets-banner", seconds=2)
    start_app.close(here)

    # The same database on another computer, whose keychain has never seen it.
    copied = tmp_path / "other-computer" / "data"
    shutil.copytree(data_dir, copied)
    there = start_app(data_dir=copied, env=other_keyring.env)
    banner = there.find("missing-secrets-banner", timeout=max(TIMEOUT, 30))
    items = there.find_all('[data-testid="missing-secret"]')
    texts = [App.rendered_text(item) for item in items]
    assert len(items) == 1, texts
    text = texts[0].lower()
    field = items[0].get_attribute("data-field")
    assert "front desk sms" in text, texts
    assert field == "auth_token" or "auth_token" in text or "auth token" in text, (field, texts)
    assert banner.is_displayed()
    # Everything else is still there to see.
    DashboardPage(there).card("Front desk SMS")
