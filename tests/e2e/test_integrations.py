"""Integrations: forms that catch every mistake.

In the real window: add a Twilio, Square and QuickBooks integration through the form (one
mistake each, caught inline and fixed), edit, disable, remove, a duplicate name, an empty form and
a keychain that refuses secrets. What was saved is checked through the CLI (the same database),
the secrets through a connection test against the fake providers (what reached the "provider" is
what was typed), and the data directory for any trace of a secret.
"""

from __future__ import annotations

import base64
import secrets as random_secrets
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

from harness import REPO_ROOT, TIMEOUT, App, header, keychain_secret, poll, read_lines, tail
from pages import (
    QUICKBOOKS_REALM,
    SQUARE_LOCATION,
    TWILIO_SID,
    IntegrationsPage,
    add_with_cli,
    click_testid,
    secrets_state,
    show_with_cli,
)


# --------------------------------------------------------------------------------------------
# What is typed per provider


@dataclass
class Mistake:
    field: str
    bad: str
    rule: str  # words the inline error must contain: it names the rule that was broken
    good: str


@dataclass
class ProviderCase:
    provider: str
    name: str
    environment: str
    values: dict[str, str]
    secrets: dict[str, str]
    mistake: Mistake
    # Finds, among the fake's requests, the one that carried the typed secrets.
    carried_secrets: Callable[["ProviderCase", dict], bool] = field(repr=False, default=None)


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def twilio_case() -> ProviderCase:
    token = random_secrets.token_hex(16)  # 32 hex characters, like a real Auth Token
    return ProviderCase(
        provider="twilio",
        name="Front desk SMS",
        environment="live",
        values={"account_sid": TWILIO_SID, "sender": "+15005550006"},
        secrets={"auth_token": token},
        mistake=Mistake("account_sid", "AC123", "34 characters", TWILIO_SID),
        carried_secrets=lambda case, r: (
            r["path"] == f"/2010-04-01/Accounts/{TWILIO_SID}.json"
            and header(r, "authorization") == basic(TWILIO_SID, case.secrets["auth_token"])
        ),
    )


def square_case() -> ProviderCase:
    token = "EAAAl" + random_secrets.token_urlsafe(24)
    return ProviderCase(
        provider="square",
        name="Card payments",
        environment="sandbox",
        values={"location_id": SQUARE_LOCATION},
        secrets={"access_token": token},
        mistake=Mistake("location_id", "18YC-4JDH", "letters and digits", SQUARE_LOCATION),
        carried_secrets=lambda case, r: (
            r["path"] == "/v2/locations"
            and header(r, "authorization") == f"Bearer {case.secrets['access_token']}"
        ),
    )


def quickbooks_case() -> ProviderCase:
    client_id = "ABqb" + random_secrets.token_hex(8)
    return ProviderCase(
        provider="quickbooks",
        name="Accounting",
        environment="sandbox",
        values={"client_id": client_id, "realm_id": QUICKBOOKS_REALM},
        secrets={"client_secret": "cs" + random_secrets.token_hex(12),
                 "refresh_token": "RT1-" + random_secrets.token_hex(16)},
        mistake=Mistake("realm_id", "9341-4530", "digits only", QUICKBOOKS_REALM),
        carried_secrets=lambda case, r: (
            r["path"] == "/oauth2/v1/tokens/bearer"
            and header(r, "authorization") == basic(case.values["client_id"],
                                                    case.secrets["client_secret"])
            and f"refresh_token={case.secrets['refresh_token']}" in r["body"]
        ),
    )


CASES = {"twilio": twilio_case, "square": square_case, "quickbooks": quickbooks_case}


# --------------------------------------------------------------------------------------------
# Looking for secrets in files


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def occurrences(paths: list[Path], needles: list[str]) -> dict[str, list[str]]:
    """{needle: [files containing it]} for every needle found in any of the files' bytes."""
    found: dict[str, list[str]] = {}
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError:
            continue  # e.g. a -shm file removed while we looked
        for needle in needles:
            if needle.encode() in data:
                found.setdefault(needle, []).append(str(path))
    return found


def secret_forms(case: ProviderCase) -> list[str]:
    """Each secret as typed, and as it travels in an Authorization header."""
    forms = list(case.secrets.values())
    if case.provider == "twilio":
        forms.append(basic(TWILIO_SID, case.secrets["auth_token"]).split()[1])
    if case.provider == "quickbooks":
        forms.append(basic(case.values["client_id"], case.secrets["client_secret"]).split()[1])
    return forms


# --------------------------------------------------------------------------------------------
# Adding through the form


@pytest.mark.parametrize("provider", list(CASES))
def test_add_through_the_form_catches_a_mistake_and_keeps_secrets_in_the_keychain(
        provider, start_app, run_cli, fakes, data_dir):
    case = CASES[provider]()
    app = start_app()
    page = IntegrationsPage(app)
    page.open()
    assert app.exists("integrations-empty"), "a fresh data dir starts with no integrations"

    page.open_add_form(provider)
    page.fill("name", case.name)
    page.choose("environment", case.environment)
    for name, value in case.values.items():
        page.fill(name, case.mistake.bad if name == case.mistake.field else value)
    for name, value in case.secrets.items():
        page.fill(name, value)
    page.open_advanced()
    page.fill("base_url", fakes.base_url)

    # The mistake is caught inline, under its field, in words that name the rule.
    mistake = case.mistake
    message = page.error(mistake.field, mistake.rule)
    # Every other field is valid. Core checks the form a moment after each pause in typing, so
    # a slow keystroke can briefly show a half-typed value's error; it must go once core has
    # seen the whole form (a valid field that keeps an error fails here).
    for other in [*case.values, *case.secrets, "name", "base_url"]:
        if other != mistake.field:
            page.no_error(other)

    page.fill(mistake.field, mistake.good)
    page.no_error(mistake.field)
    page.save()
    success = page.saved(f"Added “{case.name}”")
    assert "keychain" in success.lower(), success

    # The card is on the list, its secrets shown only as set.
    page.card(case.name)
    assert page.card_names() == [case.name]
    shown_secrets = page.secrets_shown(case.name)
    assert {s: shown_secrets.get(s) for s in case.secrets} == {s: "true" for s in case.secrets}
    assert app.rendered_text(page.card(case.name)).count(case.name) >= 1
    for secret in case.secrets.values():
        assert secret not in app.driver.page_source, "a secret is still in the page after saving"

    # The CLI reads the same database: the settings as typed, the secrets only as set.
    shown = run_cli("--json", "integration", "show", case.name)
    assert shown.returncode == 0, shown.stderr
    stored = show_with_cli(run_cli, case.name)
    assert stored["provider"] == provider
    assert stored["name"] == case.name
    assert stored["environment"] == case.environment
    assert stored["baseUrl"] == fakes.base_url
    assert stored["enabled"] is True
    for name, value in case.values.items():
        assert stored["settings"][name] == value, f"{name}: {stored['settings']}"
    typed = {s: True for s in case.secrets}
    assert {f: v for f, v in secrets_state(stored).items() if v} == typed, stored["secrets"]
    # ... and in the keychain, under the integration's id, exactly as typed.
    for secret_field, value in case.secrets.items():
        assert keychain_secret(f"integration/{stored['id']}/{secret_field}") == value, secret_field
    for secret in secret_forms(case):
        assert secret not in shown.stdout, "`integration show` printed a secret"

    # What is in the keychain is exactly what was typed: a connection test sends it to the fake.
    tested = run_cli("--json", "test", case.name)
    assert tested.returncode == 0, f"connection test failed:\n{tested.stdout}\n{tested.stderr}"
    seen = fakes.requests()
    assert any(case.carried_secrets(case, r) for r in seen), (
        "no request to the fake carried the typed secrets:\n"
        + "\n".join(f"{r['method']} {r['path']} {r['headers']}" for r in seen))

    # No file under the data dir, and nothing the app printed, holds a secret. The app exits
    # first, so its database and logs are complete.
    start_app.close(app)
    files = files_under(data_dir)
    names = {p.relative_to(data_dir).as_posix() for p in files}
    assert "switchboard.sqlite3" in names, names
    assert any(n.startswith("logs/") for n in names), f"no log files under {data_dir}: {names}"
    needles = secret_forms(case)
    if provider == "quickbooks":
        rotated = fakes.quickbooks_refresh_token()
        assert rotated and rotated != case.secrets["refresh_token"], "the token was not rotated"
        needles.append(rotated)  # the refresh token QuickBooks handed back, now in the keychain
    leaks = occurrences([*files, app.app_log], needles)
    assert leaks == {}, f"secrets found in files: {leaks}"
    # The scan does read what core writes: a typed non-secret value is found in the database.
    database_files = [p for p in files if p.name.startswith("switchboard.sqlite3")]
    marker = case.values[mistake.field]
    assert marker in occurrences(database_files, [marker]), (
        f"{marker!r} not found in {database_files}: the leak scan reads the wrong files")


def test_custom_base_url_must_be_https_except_to_this_computer(app: App, run_cli, fakes):
    page = IntegrationsPage(app)
    page.open_add_form("square")
    page.fill("name", "Square via proxy")
    page.fill("location_id", SQUARE_LOCATION)
    page.fill("access_token", "EAAAl" + random_secrets.token_hex(8))
    page.open_advanced()

    page.fill("base_url", "http://payments.example.com")
    assert "https://" in page.error("base_url", "only allowed to this computer")

    page.fill("base_url", "ftp://127.0.0.1")
    page.error("base_url", "https://")

    page.fill("base_url", fakes.base_url)  # plain http, but to 127.0.0.1
    page.no_error("base_url")
    page.save()
    page.saved("Added “Square via proxy”")
    assert show_with_cli(run_cli, "Square via proxy")["baseUrl"] == fakes.base_url


def test_saving_an_empty_form_lists_every_missing_field_and_saves_nothing(app: App, run_cli):
    page = IntegrationsPage(app)
    page.open_add_form("quickbooks")
    page.fill("name", "")
    page.save()

    summary = app.wait_text("form-error", lambda text: "attention" in text)
    # The company id and the tokens come from Connect: only the app's credentials are needed.
    required = ["name", "client_id", "client_secret"]
    for field_name in required:
        page.error(field_name, "required")
    assert "3 fields need attention" in summary, summary
    # The first problem has the focus, so a keyboard user starts there.
    focused = app.driver.execute_script("return document.activeElement.dataset.field || ''")
    assert focused == "name"
    assert run_cli.json("--json", "integration", "list") == []


# --------------------------------------------------------------------------------------------
# Changing what is stored


def test_a_duplicate_name_is_refused_under_the_name_field(start_app, run_cli, fakes):
    add_with_cli(run_cli, "twilio", "Front desk SMS")
    app = start_app()
    page = IntegrationsPage(app)
    page.open_add_form("square")
    page.fill("name", "front desk sms")  # names are compared without regard to case
    page.fill("location_id", SQUARE_LOCATION)
    page.fill("access_token", "EAAAl" + random_secrets.token_hex(8))
    page.save()

    message = page.error("name", "already")
    assert "Front desk SMS" in message or "front desk sms" in message, message
    assert app.exists("form-error")
    assert [i["name"] for i in run_cli.json("--json", "integration", "list")] == ["Front desk SMS"]

    page.fill("name", "Front desk payments")
    page.no_error("name")
    page.save()
    page.saved("Added “Front desk payments”")
    names = sorted(i["name"] for i in run_cli.json("--json", "integration", "list"))
    assert names == ["Front desk SMS", "Front desk payments"]


def test_edit_changes_the_sender_and_keeps_the_stored_secret(start_app, run_cli, fakes):
    token = random_secrets.token_hex(16)
    before = add_with_cli(run_cli, "twilio", "Reminders", base_url=fakes.base_url,
                          secrets={"auth_token": token})
    app = start_app()
    page = IntegrationsPage(app)
    page.open()
    page.click_in_card("Reminders", "edit-integration")
    app.find("integration-form")
    assert app.is_visible("secret-stored-auth_token"), "a stored secret shows as set"
    assert not app.find_all('[data-testid="integration-form"] [data-field="auth_token"]'), (
        "the stored secret must not be offered for editing until Replace is pressed")
    assert page.control("sender").get_property("value") == "+15005550006"

    page.fill("sender", "+15557654321")
    page.save()
    page.saved("Saved your changes to “Reminders”")

    after = show_with_cli(run_cli, "Reminders")
    assert after["settings"]["sender"] == "+15557654321"
    assert after["settings"]["account_sid"] == TWILIO_SID
    assert secrets_state(after)["auth_token"] is True
    assert after["revision"] == before["revision"] + 1
    # The very token typed at the start is still the one stored and used.
    assert keychain_secret(f"integration/{after['id']}/auth_token") == token
    assert run_cli("test", "Reminders").returncode == 0
    auth = [header(r, "authorization") for r in fakes.requests()]
    assert basic(TWILIO_SID, token) in auth, auth


def test_disable_shows_disabled_and_enable_brings_it_back(start_app, run_cli):
    add_with_cli(run_cli, "square", "Card payments")
    app = start_app()
    page = IntegrationsPage(app)
    page.open()
    page.card_text("Card payments", "integration-state", "Enabled")

    page.click_in_card("Card payments", "toggle-integration")
    page.card_text("Card payments", "integration-state", "Disabled")
    assert show_with_cli(run_cli, "Card payments")["enabled"] is False
    status = {s["name"]: s["level"] for s in run_cli.json("--json", "status")}
    assert status == {"Card payments": "off"}

    page.click_in_card("Card payments", "toggle-integration")
    page.card_text("Card payments", "integration-state", "Enabled")
    assert show_with_cli(run_cli, "Card payments")["enabled"] is True


def test_remove_asks_first_then_removes_the_card(start_app, run_cli):
    removed = add_with_cli(run_cli, "twilio", "Old SMS account")
    kept = add_with_cli(run_cli, "quickbooks", "Accounting")
    removed_account = f"integration/{removed['id']}/auth_token"
    kept_account = f"integration/{kept['id']}/refresh_token"
    assert keychain_secret(removed_account) and keychain_secret(kept_account)
    app = start_app()
    page = IntegrationsPage(app)
    page.open()
    page.card("Old SMS account")

    # Cancel keeps it.
    page.click_in_card("Old SMS account", "remove-integration")
    dialog = app.find("confirm-dialog")
    assert "Old SMS account" in app.rendered_text(dialog)
    assert "Auth Token" in app.text("confirm-secrets"), "the dialog names the secrets it deletes"
    click_testid(app, "confirm-cancel")
    poll(lambda: not app.exists("confirm-dialog"), message="the dialog to close")
    assert sorted(page.card_names()) == ["Accounting", "Old SMS account"]
    assert len(run_cli.json("--json", "integration", "list")) == 2

    # Confirm removes it, and only it.
    page.click_in_card("Old SMS account", "remove-integration")
    click_testid(app, "confirm-remove")
    page.gone("Old SMS account")
    poll(lambda: not app.exists("confirm-dialog"), message="the dialog to close")
    assert page.card_names() == ["Accounting"]
    assert [i["name"] for i in run_cli.json("--json", "integration", "list")] == ["Accounting"]
    assert run_cli("integration", "show", "Old SMS account").returncode != 0
    # Its secret left the keychain with it; the other one's did not.
    assert keychain_secret(removed_account) is None
    assert keychain_secret(kept_account)


# --------------------------------------------------------------------------------------------
# A keychain that refuses secrets


@pytest.fixture
def locked_keyring(tmp_path):
    """A second, private session bus whose gnome-keyring collection is locked (writes fail),
    from scripts/with-keyring.sh --locked; its environment for the app. Ends with the test."""
    script = REPO_ROOT / "scripts" / "with-keyring.sh"
    log = open(tmp_path / "locked-keyring.log", "wb")
    process = subprocess.Popen(
        [str(script), "--locked", "sh", "-c",
         'printf "%s\\n" "$DBUS_SESSION_BUS_ADDRESS" "$XDG_RUNTIME_DIR" "$XDG_DATA_HOME" '
         '"${GNOME_KEYRING_CONTROL:-}"; exec cat >/dev/null'],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
    )
    try:
        bus, runtime, data_home, control = read_lines(process.stdout, 4, max(TIMEOUT, 30),
                                                      "with-keyring.sh --locked")
    except Exception:
        process.kill()
        process.wait(timeout=10)
        log.close()
        pytest.fail(f"could not start a locked keyring:\n{tail(tmp_path / 'locked-keyring.log')}")
    assert bus, "with-keyring.sh --locked gave no session bus address"
    yield {
        "DBUS_SESSION_BUS_ADDRESS": bus,
        "XDG_RUNTIME_DIR": runtime,
        "XDG_DATA_HOME": data_home,
        "GNOME_KEYRING_CONTROL": control or None,
    }
    process.stdin.close()  # `cat` ends, and with it the bus and the keyring daemon
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
    process.stdout.close()
    log.close()


@pytest.fixture
def no_dbus(tmp_path):
    runtime = tmp_path / "runtime-without-bus"
    runtime.mkdir(mode=0o700)
    return {"DBUS_SESSION_BUS_ADDRESS": None, "GNOME_KEYRING_CONTROL": None,
            "XDG_RUNTIME_DIR": str(runtime)}


@pytest.mark.parametrize("keychain", ["locked_keyring", "no_dbus"])
def test_when_the_keychain_refuses_nothing_is_saved_and_the_form_says_why(
        keychain, request, start_app, run_cli, data_dir):
    env = request.getfixturevalue(keychain)
    token = random_secrets.token_hex(16)
    app = start_app(env=env)
    page = IntegrationsPage(app)
    page.open_add_form("twilio")
    page.fill("name", "Front desk SMS")
    page.fill("account_sid", TWILIO_SID)
    page.fill("auth_token", token)
    page.fill("sender", "+15005550006")
    page.save()

    error = app.find("form-error", timeout=max(TIMEOUT, 30))
    assert error.get_attribute("data-code") == "keychain_unavailable", app.rendered_text(error)
    assert "keychain" in app.text("form-error").lower()
    assert app.is_visible("keychain-banner"), "the banner says the keychain is the problem"
    # What was typed is still there, to save again later.
    assert page.control("auth_token").get_property("value") == token
    assert page.control("name").get_property("value") == "Front desk SMS"
    assert not app.exists("form-success")

    assert run_cli.json("--json", "integration", "list") == [], "nothing may be stored"
    start_app.close(app)
    leaks = occurrences([*files_under(data_dir), app.app_log], [token])
    assert leaks == {}, f"the refused secret was written to files: {leaks}"
