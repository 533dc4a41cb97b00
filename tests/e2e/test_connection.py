"""Connection tests and status.

Integrations are created through the CLI (or the form) pointing at the fake providers; the real
window shows a status card per integration on the dashboard — green, yellow or red in
`data-level`, the reason, what to do — and "Test now" runs a test against the fake. Background
checks (on only where a test asks for them) turn a card green by themselves. The CLI's `test`
exit code, `status --json` and the check interval in Settings are checked against the same data.
"""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from harness import TIMEOUT, App, poll
from pages import (
    TWILIO_SID,
    DashboardPage,
    IntegrationsPage,
    add_with_cli,
    click,
    click_testid,
    type_into,
)

# The provider's own words for "these credentials are wrong", per fake (any one is enough).
REJECTED_WORDS = {
    "twilio": ("20003", "rejected"),
    "square": ("UNAUTHORIZED", "rejected"),
    "quickbooks": ("3200", "rejected"),
}
NAMES = {"twilio": "Front desk SMS", "square": "Card payments", "quickbooks": "Accounting"}
UNREACHABLE_URL = "https://switchboard-e2e.invalid"  # .invalid never resolves (RFC 2606)
# A provider that does not answer is given up on after core's total timeout (20 s).
PROVIDER_TIMEOUT = 20


def says_any(words):
    return lambda text: any(word.lower() in text.lower() for word in words)


def statuses(run_cli) -> dict[str, dict]:
    return {s["name"]: s for s in run_cli.json("--json", "status")}


# --------------------------------------------------------------------------------------------
# Test now


@pytest.mark.parametrize("provider", list(NAMES))
def test_test_now_turns_the_card_green_then_red_with_the_providers_words(
        provider, run_cli, fakes, start_app):
    name = NAMES[provider]
    add_with_cli(run_cli, provider, name, base_url=fakes.base_url)
    app = start_app()
    dashboard = DashboardPage(app)
    dashboard.open()

    # Never tested: not green, and it says so.
    assert dashboard.level(name) == "yellow"
    assert "not tested" in dashboard.text_in_card(name, "status-reason").lower()
    assert dashboard.in_card(name, "status-badge").get_attribute("data-level") == "yellow"

    dashboard.test_now(name)
    result = dashboard.wait_result(name, "ok")
    assert "passed" in App.rendered_text(result).lower()
    dashboard.wait_level(name, "green")
    assert not dashboard.has_in_card(name, "retry-test"), "nothing to retry after a success"
    assert dashboard.in_card(name, "status-badge").get_attribute("data-level") == "green"
    assert dashboard.text_in_card(name, "last-checked"), "when it was last checked"
    assert fakes.requests(), "Test now must have asked the (fake) provider"
    assert statuses(run_cli)[name]["level"] == "green"

    # The provider now rejects the credentials.
    fakes.set(provider, {"scenario": "wrong_credentials"})
    dashboard.test_now(name)
    dashboard.wait_result(name, "credentials_rejected")
    dashboard.wait_level(name, "red")
    words = REJECTED_WORDS[provider]
    dashboard.wait_in_card(name, "test-result", says_any(words))
    assert says_any(words)(dashboard.text_in_card(name, "status-reason")), (
        dashboard.text_in_card(name, "status-reason"))
    assert dashboard.text_in_card(name, "status-action"), "red says what to do"
    assert dashboard.in_card(name, "status-badge").get_attribute("data-level") == "red"
    assert statuses(run_cli)[name]["level"] == "red"

    # Fixed at the provider: Retry turns it green again.
    fakes.set(provider, {"scenario": "ok"})
    click(app, dashboard.in_card(name, "retry-test"))
    dashboard.wait_result(name, "ok")
    dashboard.wait_level(name, "green")


def test_an_unreachable_provider_is_yellow_and_says_it_may_be_offline(run_cli, start_app):
    add_with_cli(run_cli, "twilio", "Front desk SMS", base_url=UNREACHABLE_URL)
    app = start_app()
    dashboard = DashboardPage(app)
    dashboard.open()

    assert "not tested" in dashboard.text_in_card("Front desk SMS", "status-reason").lower()
    dashboard.test_now("Front desk SMS")
    dashboard.wait_result("Front desk SMS", "unreachable", timeout=PROVIDER_TIMEOUT + 2 * TIMEOUT)
    dashboard.wait_level("Front desk SMS", "yellow")
    assert "not tested" not in dashboard.text_in_card("Front desk SMS", "status-reason").lower()
    assert "offline" in dashboard.text_in_card("Front desk SMS", "status-action").lower()
    assert dashboard.has_in_card("Front desk SMS", "retry-test")
    assert statuses(run_cli)["Front desk SMS"]["level"] == "yellow"


def test_test_now_is_busy_while_the_provider_does_not_answer(run_cli, fakes, start_app):
    add_with_cli(run_cli, "square", "Card payments", base_url=fakes.base_url)
    fakes.set("square", {"scenario": "hang"})
    app = start_app()
    dashboard = DashboardPage(app)
    dashboard.open()

    dashboard.test_now("Card payments")
    button = dashboard.in_card("Card payments", "test-now")
    poll(lambda: button.get_attribute("data-busy") == "true",
         message="Test now to show that it is running")
    assert not button.is_enabled(), "a running test cannot be started twice"

    # Core gives up after its timeout: yellow, "did not answer", maybe offline; ready again.
    dashboard.wait_result("Card payments", "unreachable", timeout=PROVIDER_TIMEOUT + 2 * TIMEOUT)
    dashboard.wait_level("Card payments", "yellow")
    assert "answer" in dashboard.text_in_card("Card payments", "status-reason").lower()
    assert "offline" in dashboard.text_in_card("Card payments", "status-action").lower()
    poll(lambda: dashboard.in_card("Card payments", "test-now").get_attribute("data-busy")
         == "false", message="Test now to be ready again")
    assert len([r for r in fakes.requests() if r["path"] == "/v2/locations"]) == 1


# --------------------------------------------------------------------------------------------
# Details and history


def test_details_list_every_test_newest_first(run_cli, fakes, start_app):
    add_with_cli(run_cli, "twilio", "Front desk SMS", base_url=fakes.base_url)
    assert run_cli("test", "Front desk SMS").returncode == 0
    fakes.set("twilio", {"scenario": "wrong_credentials"})
    assert run_cli("test", "Front desk SMS").returncode != 0
    fakes.set("twilio", {"scenario": "rate_limited", "retry_after": 30})
    assert run_cli("test", "Front desk SMS").returncode != 0

    app = start_app()
    dashboard = DashboardPage(app)
    dashboard.open()
    click(app, dashboard.in_card("Front desk SMS", "open-details"))
    detail = app.find("integration-detail")
    assert "Front desk SMS" in App.rendered_text(detail)

    def rows() -> list[tuple[str, str]]:
        found = app.find_all('[data-testid="integration-detail"] [data-testid="history-row"]')
        return [(r.get_attribute("data-kind"), r.get_attribute("data-at")) for r in found]

    poll(lambda: len(rows()) == 3, message="three rows of test history")
    assert [kind for kind, _ in rows()] == ["rate_limited", "credentials_rejected", "ok"]
    times = [at for _, at in rows()]
    assert times == sorted(times, reverse=True), f"not newest first: {times}"

    # A test from the detail view goes on top.
    fakes.set("twilio", {"scenario": "ok"})
    click(app, app.find("integration-detail").find_element(By.CSS_SELECTOR,
                                                           '[data-testid="test-now"]'))
    poll(lambda: len(rows()) == 4, message="the new test in the history")
    assert [kind for kind, _ in rows()] == ["ok", "rate_limited", "credentials_rejected", "ok"]
    assert app.find("integration-detail").get_attribute("data-level") == "green"


# --------------------------------------------------------------------------------------------
# Background checks


def test_background_checks_turn_a_new_integration_green_by_themselves(run_cli, fakes, start_app):
    # Two integrations whose providers never answer keep the background checker busy for two
    # timeouts, so the new integration's card is on screen, untested, when its turn comes: what
    # turns it green is the app's own event, not a page load.
    fakes.set("square", {"scenario": "hang"})
    fakes.set("quickbooks", {"scenario": "hang"})
    add_with_cli(run_cli, "square", "Slow payments", base_url=fakes.base_url)
    add_with_cli(run_cli, "quickbooks", "Slow accounting", base_url=fakes.base_url)
    app = start_app(background_checks=True)

    page = IntegrationsPage(app)
    page.open_add_form("twilio")
    page.fill("name", "Front desk SMS")
    page.fill("account_sid", TWILIO_SID)
    page.fill("auth_token", "0123456789abcdef0123456789abcdef")
    page.fill("sender", "+15005550006")
    page.open_advanced()
    page.fill("base_url", fakes.base_url)
    page.save()
    page.saved("Added “Front desk SMS”")

    dashboard = DashboardPage(app)
    dashboard.open()
    first_seen = dashboard.level("Front desk SMS")
    assert first_seen != "green", (
        "the new card was already green when the dashboard opened, so this run cannot show that "
        "it turns green by itself (the checker was not kept busy by the hanging providers)")
    assert not [r for r in fakes.requests() if r["path"].startswith("/2010-04-01/")]

    dashboard.wait_level("Front desk SMS", "green", timeout=2 * PROVIDER_TIMEOUT + 2 * TIMEOUT)
    assert not dashboard.has_in_card("Front desk SMS", "test-result"), (
        "nobody pressed Test now: there is no Test now result")
    assert [r for r in fakes.requests() if r["path"] == f"/2010-04-01/Accounts/{TWILIO_SID}.json"]
    # The hanging ones were checked in the background too, and say so.
    for name in ("Slow payments", "Slow accounting"):
        dashboard.wait_in_card(name, "status-reason", "answer")
        assert dashboard.level(name) == "yellow"
        assert "offline" in dashboard.text_in_card(name, "status-action").lower()
    assert statuses(run_cli)["Front desk SMS"]["level"] == "green"


# --------------------------------------------------------------------------------------------
# The CLI and Settings


def test_cli_test_exits_zero_only_when_the_connection_works(run_cli, fakes):
    integration = add_with_cli(run_cli, "twilio", "Front desk SMS", base_url=fakes.base_url)
    add_with_cli(run_cli, "square", "Offline payments", base_url=UNREACHABLE_URL)

    ok = run_cli("test", "Front desk SMS")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    by_id = run_cli.json("--json", "test", integration["id"])
    assert by_id["test"]["kind"] == "ok"
    assert by_id["status"]["level"] == "green"

    fakes.set("twilio", {"scenario": "wrong_credentials"})
    rejected = run_cli("test", "Front desk SMS")
    assert rejected.returncode != 0
    assert "20003" in rejected.stdout, rejected.stdout

    offline = run_cli("--json", "test", "Offline payments")
    assert offline.returncode != 0
    levels = {name: s["level"] for name, s in statuses(run_cli).items()}
    assert levels == {"Front desk SMS": "red", "Offline payments": "yellow"}

    missing = run_cli("test", "No such integration")
    assert missing.returncode != 0
    assert "not found" in missing.stderr.lower()


def test_check_interval_saved_in_settings_is_what_core_uses(run_cli, start_app):
    assert run_cli.json("--json", "settings")["checkIntervalMinutes"] == 15
    run_cli.json("--json", "settings", "--check-interval", "30")
    app = start_app()
    app.goto("settings")
    form = app.find("settings-form")
    field = form.find_element(By.CSS_SELECTOR, '[data-field="check_interval_minutes"]')
    poll(lambda: field.get_property("value") == "30", message="the stored interval in the form")

    type_into(app, field, "45")
    click_testid(app, "save-settings")
    app.text("settings-success")
    assert run_cli.json("--json", "settings")["checkIntervalMinutes"] == 45

    # Out of range: refused, and nothing changes.
    type_into(app, field, "0")
    click_testid(app, "save-settings")
    app.text("error-check_interval_minutes")
    assert run_cli.json("--json", "settings")["checkIntervalMinutes"] == 45

