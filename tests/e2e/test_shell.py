"""The app shell in the real window: title, sidebar, navigation, and Settings' view of core."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess

import pytest
from selenium.webdriver.common.by import By

from harness import ADMIN, ADMIN_PASSWORD, App, poll

SECTIONS = {
    "dashboard": "Dashboard",
    "integrations": "Integrations",
    "webhooks": "Webhooks",
    "delivery-log": "Delivery log",
    "sync-log": "Sync log",
    "audit-log": "Audit log",
    "settings": "Settings",
}


def x11_windows_named(title: str) -> list[tuple[int, int]]:
    """(width, height) of every X11 window with exactly this title, via xwininfo."""
    if shutil.which("xwininfo") is None:
        pytest.fail("xwininfo not found: apt-get install -y x11-utils", pytrace=False)
    tree = subprocess.run(["xwininfo", "-root", "-tree"], capture_output=True, text=True,
                          check=True).stdout
    pattern = re.compile(r'^\s*0x[0-9a-f]+ "' + re.escape(title) + r'":.*?\s(\d+)x(\d+)[+-]',
                         re.MULTILINE)
    return [(int(w), int(h)) for w, h in pattern.findall(tree)]


def keychain_text_means(text: str) -> bool | None:
    """How the Settings page words keychain availability: True, False, or None if unclear."""
    lowered = text.strip().lower()
    if re.match(r"^(no|not|unavailable|false|locked|missing)\b", lowered):
        return False
    if re.match(r"^(yes|available|true|ok)\b", lowered):
        return True
    return None


def test_window_opens_titled_switchboard_at_1200x800(app: App):
    assert app.title == "Switchboard"
    sizes = poll(lambda: x11_windows_named("Switchboard"), message="an X11 window titled Switchboard")
    assert (1200, 800) in sizes, f"windows titled Switchboard: {sizes}"


def test_sidebar_lists_the_seven_sections_in_order(app: App):
    sidebar = app.find("sidebar")

    links = sidebar.find_elements(By.CSS_SELECTOR, '[data-testid^="nav-"]')
    testids = [link.get_attribute("data-testid") for link in links]
    assert testids == [f"nav-{section}" for section in SECTIONS]
    for link, label in zip(links, SECTIONS.values()):
        assert link.is_displayed()
        text = App.rendered_text(link)
        assert label.lower() in text.lower(), f"{link.get_attribute('data-testid')}: {text!r}"


def test_starts_on_the_dashboard_with_a_clinic_name(app: App):
    assert app.find("page-dashboard").is_displayed()
    assert app.text("clinic-name")


def test_each_sidebar_entry_shows_its_page(app: App):
    # Settings first, so that every page, the dashboard included, is reached by a click.
    order = ["settings", *[s for s in SECTIONS if s != "settings"]]
    for section in order:
        page = app.goto(section)
        assert page.is_displayed()
        others = [s for s in SECTIONS if s != section]
        poll(lambda: not any(app.page_visible(o) for o in others),
             message=f"only page-{section} to be visible")


def test_settings_shows_what_core_reports(app: App, run_cli, data_dir):
    app.goto("settings")
    shown = {
        name: app.text(f"info-{name}")
        for name in ("version", "build-kind", "data-dir", "database", "schema-version",
                     "keychain-backend", "keychain-available")
    }
    available_attr = app.find("info-keychain-available").get_attribute("data-available")
    message = app.text("info-keychain-message") if app.exists("info-keychain-message") else None

    # The same data dir through the CLI: both go through core, so they must agree exactly.
    info = run_cli.json("info", "--json")

    assert shown["version"] == info["version"]
    assert shown["build-kind"] == info["buildKind"]
    assert shown["data-dir"] == info["dataDir"]
    assert shown["database"] == info["databasePath"]
    assert shown["schema-version"] == str(info["schemaVersion"])
    assert shown["keychain-backend"] == info["keychain"]["backend"]
    assert available_attr == str(info["keychain"]["available"]).lower()
    assert keychain_text_means(shown["keychain-available"]) is info["keychain"]["available"], shown
    assert message == info["keychain"]["message"]
    assert (data_dir / "switchboard.sqlite3").is_file()


def test_keychain_is_available_under_the_test_keyring(app: App, keyring_mode):
    if keyring_mode != "unlocked":
        pytest.skip("needs an unlocked test keyring: run under scripts/with-keyring.sh")

    app.goto("settings")

    assert app.text("info-keychain-backend") == "secret-service"
    assert app.find("info-keychain-available").get_attribute("data-available") == "true"
    assert keychain_text_means(app.text("info-keychain-available")) is True
    assert not app.exists("info-keychain-message")
    assert not app.exists("keychain-banner")


def test_without_a_keychain_the_app_says_so_and_keeps_working(start_app, tmp_path):
    empty_runtime = tmp_path / "runtime-without-bus"
    empty_runtime.mkdir(mode=0o700)
    app = start_app(env={
        "DBUS_SESSION_BUS_ADDRESS": None,
        "GNOME_KEYRING_CONTROL": None,
        "XDG_RUNTIME_DIR": str(empty_runtime),
    })

    banner = app.text("keychain-banner-message")
    app.goto("settings")

    assert app.find("info-keychain-available").get_attribute("data-available") == "false"
    assert banner == app.text("info-keychain-message"), "the banner shows core's reason"
    for section in SECTIONS:  # status and logs stay usable without a keychain
        app.goto(section)
        assert app.is_visible("keychain-banner"), f"banner gone on {section}"


def test_a_window_opened_while_serve_runs_is_a_ui_that_names_it_and_takes_over_after(
        start_app, run_cli, data_dir):
    """One process runs a data folder's background services. A window opened while `switchboard
    serve` runs them still works, says where they run, and takes them over once serve stops."""
    serve, _ = run_cli.start_serve()
    try:
        app = start_app(env={"SWITCHBOARD_INGEST_PORT": "0"})
        holder = app.text("services-holder")
        assert holder.startswith(f"switchboard serve (pid {serve.pid}, since "), holder
        app.goto("settings")
        assert app.find("info-services").get_attribute("data-running-here") == "false"
        assert holder in app.text("info-services")
    finally:
        serve.send_signal(signal.SIGINT)
        serve.wait(timeout=30)
    assert serve.returncode == 0, serve.stderr.read() if serve.stderr else ""

    # The window tries again every 15 s and the notice reads again every 30 s.
    poll(lambda: not app.exists("services-notice"), timeout=75,
         message="the window to take the services over")
    assert run_cli.json("info", "--json")["services"]["holder"].startswith(
        "the Switchboard app window")
