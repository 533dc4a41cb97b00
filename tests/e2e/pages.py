"""Page helpers for the Integrations page, its forms and the dashboard, shared by the tests and
by screenshots.py. Everything is found by data-testid / data-field (see ui/README.md); every wait
is an explicit poll (harness.TIMEOUT).
"""

from __future__ import annotations

import json
from typing import Any, Mapping

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement

from harness import TIMEOUT, App, poll

# Valid values for each provider's form, and secrets that are easy to spot in a file.
TWILIO_SID = "AC" + "0123456789abcdef" * 2
SQUARE_LOCATION = "18YC4JDH91E1H"  # one of the fake Square account's sample locations
QUICKBOOKS_REALM = "9341453000000001"


def css_string(value: str) -> str:
    """`value` as a double-quoted CSS string, for attribute selectors like [data-name="…"]."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ") + '"'


def by_name(testid: str, name: str) -> str:
    """CSS for the element with this testid whose data-name is `name`."""
    return f'[data-testid="{testid}"][data-name={css_string(name)}]'


# Scrolls the page's own scroll area (#main) so that the element is in its middle. Not
# element.scrollIntoView(): that also scrolls the document itself, which can scroll here (see
# the report on `.visually-hidden` overflow) and would shift the whole window's layout.
_CENTER_IN_MAIN = """
const element = arguments[0];
const main = document.getElementById('main');
if (main && main.contains(element)) {
  const r = element.getBoundingClientRect();
  const m = main.getBoundingClientRect();
  main.scrollTop += (r.top + r.height / 2) - (m.top + m.height / 2);
} else {
  element.scrollIntoView({block: 'nearest'});
}
"""


def center(app: App, element: WebElement) -> None:
    """Scrolls the element to the middle of the page's scroll area."""
    app.driver.execute_script(_CENTER_IN_MAIN, element)


def click(app: App, element: WebElement) -> None:
    """Scrolls the element to the middle of the page, then clicks it. Near an edge, a click can
    land beside its target when the layout moves between WebDriver's scroll and its click (an
    inline error appearing above it, for instance)."""
    center(app, element)
    element.click()


def click_testid(app: App, testid: str) -> None:
    click(app, app.find(testid))


def type_into(app: App, element: WebElement, value: str) -> None:
    """Replaces what a text field holds with `value` by typing, as a user would."""
    click(app, element)
    element.send_keys(Keys.CONTROL, "a")
    element.send_keys(Keys.BACKSPACE)
    if value:
        element.send_keys(value)
    poll(lambda: element.get_property("value") == value,
         message=f"the field to hold {value!r} (it holds {element.get_property('value')!r})")


class IntegrationsPage:
    """The Integrations page of one app window: its list, the add/edit form, the remove dialog."""

    def __init__(self, app: App):
        self.app = app

    # ---- navigation

    def open(self) -> WebElement:
        page = self.app.goto("integrations")
        # Loaded: either the empty state or at least one card (not "Loading integrations…").
        poll(lambda: self.app.exists("integrations-empty") or self.cards(),
             message="the Integrations page to load its list")
        return page

    def open_add_form(self, provider: str) -> WebElement:
        """Integrations → Add integration → the provider's tile → its empty form."""
        self.open()
        click_testid(self.app, "add-integration")
        click_testid(self.app, f"provider-{provider}")
        form = self.app.find("integration-form")
        assert form.get_attribute("data-provider") == provider
        return form

    # ---- the form

    def control(self, field: str, value: str | None = None) -> WebElement:
        """The form's control for `field` (a radio: the one with this value); waits for it."""
        css = f'[data-testid="integration-form"] [data-field={css_string(field)}]'
        if value is not None:
            css += f"[value={css_string(value)}]"

        def present(driver):
            element = driver.find_element(By.CSS_SELECTOR, css)
            return element if element.is_displayed() else False

        return self.app.wait(present, message=f"form control {css}")

    def enter_tokens(self) -> None:
        """Shows the OAuth token fields ("Enter tokens instead"), for pasting tokens."""
        toggles = self.app.find_all('[data-testid="enter-tokens"]')
        if toggles and toggles[0].get_attribute("aria-expanded") != "true":
            click(self.app, toggles[0])
            poll(lambda: toggles[0].get_attribute("aria-expanded") == "true",
                 message="the token fields to show")

    def fill(self, field: str, value: str, leave: bool = True) -> WebElement:
        """Replaces what `field` holds with `value` by typing, as a user would; then (unless
        leave=False) presses Tab, which is when the form shows that field's problems. Pasted
        OAuth tokens sit behind "Enter tokens instead", which it opens first."""
        if field in ("access_token", "refresh_token", "location_id", "realm_id"):
            self.enter_tokens()
        element = self.control(field)
        type_into(self.app, element, value)
        if leave:
            element.send_keys(Keys.TAB)
        return element

    def choose(self, field: str, value: str) -> None:
        radio = self.control(field, value)
        click(self.app, radio)
        poll(lambda: radio.is_selected(), message=f"{field}={value} to be chosen")

    def open_advanced(self) -> None:
        toggle = self.app.find("advanced-toggle")
        if toggle.get_attribute("aria-expanded") != "true":
            click(self.app, toggle)
        poll(lambda: toggle.get_attribute("aria-expanded") == "true",
             message="Advanced to open")
        self.control("base_url")

    def error(self, field: str, contains: str) -> str:
        """Waits for the inline error under `field` to contain `contains`; returns its text."""
        return self.app.wait_text(f"error-{field}", lambda text: contains.lower() in text.lower())

    def no_error(self, field: str) -> None:
        poll(lambda: not self.app.exists(f"error-{field}"),
             message=f"the error under {field} to go away")

    def save(self) -> None:
        click_testid(self.app, "save-integration")

    def saved(self, contains: str) -> str:
        """Waits for the success message after a save (back on the list); returns its text."""
        return self.app.wait_text("form-success", lambda text: contains in text)

    def fill_form(self, values: Mapping[str, str], environment: str | None = None,
                  base_url: str | None = None) -> None:
        if environment:
            self.choose("environment", environment)
        for field, value in values.items():
            self.fill(field, value)
        if base_url is not None:
            self.open_advanced()
            self.fill("base_url", base_url)

    # ---- the list

    def cards(self) -> list[WebElement]:
        return self.app.find_all('[data-testid="integration-card"]')

    def card_names(self) -> list[str]:
        return [card.get_attribute("data-name") for card in self.cards()]

    def card(self, name: str) -> WebElement:
        return self.app.wait(lambda d: d.find_element(By.CSS_SELECTOR, by_name("integration-card", name)),
                             message=f"the card of {name!r}")

    def in_card(self, name: str, testid: str) -> WebElement:
        return self.card(name).find_element(By.CSS_SELECTOR, f'[data-testid="{testid}"]')

    def click_in_card(self, name: str, testid: str) -> None:
        click(self.app, self.in_card(name, testid))

    def card_text(self, name: str, testid: str, expected) -> str:
        """Waits until the text of `testid` inside the card satisfies `expected` (str or callable)."""
        check = expected if callable(expected) else (lambda text: text == expected)
        seen: list[str] = []

        def matches(_driver):
            text = App.rendered_text(self.in_card(name, testid))
            seen[:] = [text]
            return text if check(text) else False

        try:
            return self.app.wait(matches, message=f"{testid} in the card of {name!r}")
        except Exception as err:
            raise AssertionError(f"{testid} in the card of {name!r}: expected {expected!r}, "
                                 f"last saw {seen[-1:]!r}") from err

    def secrets_shown(self, name: str) -> dict[str, str]:
        """{secret field: "true"/"false"} as the card lists them."""
        items = self.in_card(name, "integration-secrets").find_elements(By.CSS_SELECTOR, "li")
        return {li.get_attribute("data-secret"): li.get_attribute("data-set") for li in items}

    def gone(self, name: str) -> None:
        poll(lambda: not self.app.find_all(by_name("integration-card", name)),
             message=f"the card of {name!r} to disappear")


def add_with_cli(run_cli, provider: str, name: str, *, base_url: str | None = None,
                 environment: str | None = None, values: Mapping[str, str] | None = None,
                 secrets: Mapping[str, str] | None = None) -> dict[str, Any]:
    """`switchboard integration add …` with secrets on stdin; returns the saved integration."""
    values = dict(DEFAULTS[provider]["values"] if values is None else values)
    secrets = dict(DEFAULTS[provider]["secrets"] if secrets is None else secrets)
    args: list[str] = ["--json", "integration", "add", provider, "--name", name]
    if environment:
        args += ["--env", environment]
    if base_url:
        args += ["--base-url", base_url]
    for field, value in values.items():
        args += ["--set", f"{field}={value}"]
    for field in secrets:
        args += ["--secret", field]
    saved = run_cli.json(*args, input="".join(f"{v}\n" for v in secrets.values()))
    return saved["integration"]


def show_with_cli(run_cli, name: str) -> dict[str, Any]:
    return run_cli.json("--json", "integration", "show", name)


def secrets_state(integration: Mapping[str, Any]) -> dict[str, bool]:
    return {s["field"]: s["set"] for s in integration["secrets"]}


# Valid settings per provider (secrets are per test, so that a leak can be traced to it).
DEFAULTS: dict[str, dict[str, dict[str, str]]] = {
    "twilio": {
        "values": {"account_sid": TWILIO_SID, "sender": "+15005550006"},
        "secrets": {"auth_token": "0123456789abcdef0123456789abcdef"},
    },
    "square": {
        "values": {"location_id": SQUARE_LOCATION},
        "secrets": {"access_token": "EAAAl-default-square-token"},
    },
    "quickbooks": {
        "values": {"client_id": "ABdefaultClientId0123", "realm_id": QUICKBOOKS_REALM},
        "secrets": {"client_secret": "default-client-secret-0123",
                    "refresh_token": "RT1-default-refresh-token"},
    },
}


def pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


class DashboardPage:
    """The dashboard of one app window: a status card per integration, and the detail view."""

    CARD = "dashboard-integration"

    def __init__(self, app: App):
        self.app = app

    def open(self) -> WebElement:
        page = self.app.goto("dashboard")
        poll(lambda: self.app.exists("dashboard-empty") or self.cards(),
             message="the dashboard to load its integrations")
        return page

    def cards(self) -> list[WebElement]:
        return self.app.find_all(f'[data-testid="{self.CARD}"]')

    def card(self, name: str, timeout: float | None = None) -> WebElement:
        return self.app.wait(lambda d: d.find_element(By.CSS_SELECTOR, by_name(self.CARD, name)),
                             timeout, message=f"the dashboard card of {name!r}")

    def level(self, name: str) -> str | None:
        return self.card(name).get_attribute("data-level")

    def in_card(self, name: str, testid: str) -> WebElement:
        return self.card(name).find_element(By.CSS_SELECTOR, f'[data-testid="{testid}"]')

    def has_in_card(self, name: str, testid: str) -> bool:
        return bool(self.card(name).find_elements(By.CSS_SELECTOR, f'[data-testid="{testid}"]'))

    def text_in_card(self, name: str, testid: str) -> str:
        return App.rendered_text(self.in_card(name, testid))

    def wait_level(self, name: str, level: str, timeout: float | None = None) -> WebElement:
        """Waits until the card's data-level is `level` (the card is found afresh each time: the
        list may be re-rendered when statuses arrive)."""
        seen: list[str | None] = []

        def reached(_driver):
            value = self.level(name)
            seen[:] = [value]
            return self.card(name) if value == level else False

        try:
            return self.app.wait(reached, timeout, message=f"{name!r} to be {level}")
        except Exception as err:
            raise AssertionError(f"the card of {name!r} did not turn {level}: last data-level "
                                 f"{seen[-1:]!r}, reason {self._reason(name)!r}") from err

    def _reason(self, name: str) -> str:
        try:
            return self.text_in_card(name, "status-reason")
        except Exception:  # noqa: BLE001 - only for the message
            return "(none)"

    def wait_in_card(self, name: str, testid: str, check, timeout: float | None = None) -> str:
        """Waits until the text of `testid` inside the card satisfies `check` (str: contains,
        case-insensitive; or a callable); returns the text."""
        test = check if callable(check) else (lambda text: check.lower() in text.lower())
        seen: list[str] = []

        def matches(_driver):
            text = self.text_in_card(name, testid)
            seen[:] = [text]
            return text if test(text) else False

        try:
            return self.app.wait(matches, timeout, message=f"{testid} in {name!r}")
        except Exception as err:
            raise AssertionError(f"{testid} in the card of {name!r}: expected {check!r}, last "
                                 f"saw {seen[-1:]!r}") from err

    def wait_result(self, name: str, kind: str, timeout: float | None = None) -> WebElement:
        """Waits for the card's Test now result (`test-result`) of this outcome kind."""
        seen: list[str | None] = []

        def shown(_driver):
            found = self.card(name).find_elements(By.CSS_SELECTOR, '[data-testid="test-result"]')
            seen[:] = [found[0].get_attribute("data-kind") if found else None]
            return found[0] if found and seen[0] == kind else False

        try:
            return self.app.wait(shown, timeout, message=f"a {kind} result in {name!r}")
        except Exception as err:
            raise AssertionError(f"no {kind} test-result in the card of {name!r}: last data-kind "
                                 f"{seen[-1:]!r}") from err

    def test_now(self, name: str) -> None:
        button = self.in_card(name, "test-now")
        poll(lambda: button.get_attribute("data-busy") != "true" and button.is_enabled(),
             message=f"Test now of {name!r} to be ready")
        click(self.app, button)


# --------------------------------------------------------------------------------------------
# Webhooks: endpoints, the delivery log, the dashboard's endpoint cards


def by_attr(testid: str, attr: str, value: str) -> str:
    """CSS for the element with this testid whose `attr` is `value`."""
    return f'[data-testid="{testid}"][{attr}={css_string(value)}]'


def select_value(app: App, testid: str, value: str) -> None:
    """Chooses the option with this value in a <select>, as a user would (it fires `change`)."""
    from selenium.webdriver.support.select import Select

    element = app.find(testid)
    center(app, element)
    Select(element).select_by_value(value)
    poll(lambda: app.find(testid).get_property("value") == value,
         message=f"{testid} to hold {value!r}")


class WebhooksPage:
    """The Webhooks page of one app window: endpoint cards, the add form, the secret shown once,
    Send test event."""

    CARD = "endpoint-card"

    def __init__(self, app: App):
        self.app = app

    def open(self) -> WebElement:
        page = self.app.goto("webhooks")
        poll(lambda: self.app.exists("webhooks-empty") or self.cards(),
             message="the Webhooks page to load its endpoints")
        return page

    def open_add_form(self) -> WebElement:
        click_testid(self.app, "add-endpoint")
        return self.app.find("endpoint-form")

    def control(self, field: str, value: str | None = None) -> WebElement:
        css = f'[data-testid="endpoint-form"] [data-field={css_string(field)}]'
        if value is not None:
            css += f"[value={css_string(value)}]"

        def present(driver):
            element = driver.find_element(By.CSS_SELECTOR, css)
            return element if element.is_displayed() else False

        return self.app.wait(present, message=f"form control {css}")

    def fill(self, field: str, value: str) -> WebElement:
        element = self.control(field)
        type_into(self.app, element, value)
        return element

    def tick(self, field: str, on: bool = True, value: str | None = None) -> None:
        """Ticks (or unticks) a checkbox of the form."""
        box = self.control(field, value)
        if box.is_selected() != on:
            click(self.app, box)
        poll(lambda: box.is_selected() == on, message=f"{field} to be {'on' if on else 'off'}")

    def save(self) -> None:
        click_testid(self.app, "save-endpoint")

    def error(self, field: str, contains: str = "") -> str:
        return self.app.wait_text(f"error-{field}",
                                  lambda text: bool(text) and contains.lower() in text.lower())

    def shown_secret(self) -> str:
        """The signing secret in the shown-once panel."""
        panel = self.app.find("secret-once")
        value = panel.find_element(By.CSS_SELECTOR, '[data-testid="secret-value"]')
        return poll(lambda: value.get_property("value"), message="the secret in secret-once")

    def cards(self) -> list[WebElement]:
        return self.app.find_all(f'[data-testid="{self.CARD}"]')

    def card(self, url: str, timeout: float | None = None) -> WebElement:
        return self.app.wait(
            lambda d: d.find_element(By.CSS_SELECTOR, by_attr(self.CARD, "data-url", url)),
            timeout, message=f"the endpoint card of {url}")

    def in_card(self, url: str, testid: str) -> WebElement:
        return self.card(url).find_element(By.CSS_SELECTOR, f'[data-testid="{testid}"]')

    def text_in_card(self, url: str, testid: str) -> str:
        return App.rendered_text(self.in_card(url, testid))

    def click_in_card(self, url: str, testid: str) -> None:
        click(self.app, self.in_card(url, testid))

    def wait_card(self, url: str, check, what: str, timeout: float | None = None) -> WebElement:
        """Waits until `check(card)` holds for the card (found afresh each time)."""
        def holds(_driver):
            card = self.card(url)
            return card if check(card) else False

        try:
            return self.app.wait(holds, timeout, message=f"the card of {url}: {what}")
        except Exception as err:
            raise AssertionError(f"the card of {url}: {what}; it shows "
                                 f"{self._describe(url)!r}") from err

    def wait_level(self, url: str, level: str, timeout: float | None = None) -> WebElement:
        return self.wait_card(url, lambda c: c.get_attribute("data-level") == level,
                              f"data-level {level}", timeout)

    def _describe(self, url: str) -> str:
        try:
            card = self.card(url, timeout=1)
            return f"data-level={card.get_attribute('data-level')} " + App.rendered_text(card)[:600]
        except Exception:  # noqa: BLE001 - only for the message
            return "(no card)"


class DeliveryLogPage:
    """The Delivery log of one app window: the table, filters, the detail panel, export."""

    ROW = "delivery-row"

    def __init__(self, app: App):
        self.app = app

    def open(self) -> WebElement:
        page = self.app.goto("delivery-log")
        self.wait_loaded()
        return page

    def wait_loaded(self) -> None:
        poll(lambda: self.app.exists("delivery-table") or self.app.exists("delivery-log-empty")
             or self.app.exists("delivery-log-no-match"),
             message="the Delivery log to load")

    def rows(self) -> list[dict[str, str]]:
        """The rows on screen, newest first: {id, status, event_id}."""
        script = """
            return [...document.querySelectorAll('[data-testid="delivery-row"]')]
              .map(r => ({id: r.dataset.id, status: r.dataset.status, event_id: r.dataset.eventId,
                          top: r.getBoundingClientRect().top}))
              .sort((a, b) => a.top - b.top);
        """
        return [{k: r[k] for k in ("id", "status", "event_id")}
                for r in self.app.driver.execute_script(script)]

    def wait_rows(self, check, what: str, timeout: float | None = None) -> list[dict[str, str]]:
        seen: list[list[dict[str, str]]] = []

        def holds():
            rows = self.rows()
            seen[:] = [rows]
            return rows if check(rows) else None

        try:
            return poll(holds, timeout=timeout or TIMEOUT, message=what)
        except Exception as err:
            raise AssertionError(f"the Delivery log never showed {what}; last rows: "
                                 f"{seen[-1:]!r}") from err

    def row(self, delivery_id: str) -> WebElement:
        return self.app.wait(
            lambda d: d.find_element(By.CSS_SELECTOR, by_attr(self.ROW, "data-id", delivery_id)),
            message=f"the row of delivery {delivery_id}")

    def wait_status(self, delivery_id: str, status: str, timeout: float | None = None) -> None:
        self.wait_rows(lambda rows: any(r["id"] == delivery_id and r["status"] == status
                                        for r in rows),
                       f"delivery {delivery_id} as {status}", timeout)

    def open_detail(self, delivery_id: str) -> WebElement:
        """Clicks the row (its time, the row's own button) and returns the detail panel."""
        row = self.row(delivery_id)
        center(self.app, row)
        row.find_element(By.CSS_SELECTOR, "button").click()
        return self.app.wait(
            lambda d: d.find_element(By.CSS_SELECTOR, by_attr("delivery-detail", "data-id",
                                                              delivery_id)),
            message=f"the detail of delivery {delivery_id}")

    def detail_attempts(self) -> list[dict[str, str]]:
        """The open detail's attempts, newest first: {attempt, status_code, error_class, outcome}."""
        out = []
        for row in self.app.find_all('[data-testid="delivery-detail"] [data-testid="attempt-row"]'):
            out.append({
                "attempt": row.get_attribute("data-attempt"),
                "status_code": row.get_attribute("data-status-code"),
                "error_class": row.get_attribute("data-error-class"),
                "outcome": App.rendered_text(
                    row.find_element(By.CSS_SELECTOR, '[data-testid="attempt-outcome"]')),
            })
        return out


class DashboardEndpoints:
    """The dashboard's endpoint cards (`dashboard-endpoint`, by data-url)."""

    CARD = "dashboard-endpoint"

    def __init__(self, app: App):
        self.app = app

    def open(self) -> WebElement:
        return self.app.goto("dashboard")

    def card(self, url: str, timeout: float | None = None) -> WebElement:
        return self.app.wait(
            lambda d: d.find_element(By.CSS_SELECTOR, by_attr(self.CARD, "data-url", url)),
            timeout, message=f"the dashboard card of endpoint {url}")

    def wait_level(self, url: str, level: str, timeout: float | None = None) -> WebElement:
        seen: list[str | None] = []

        def reached(_driver):
            card = self.card(url)
            seen[:] = [card.get_attribute("data-level")]
            return card if seen[0] == level else False

        try:
            return self.app.wait(reached, timeout, message=f"endpoint {url} to be {level}")
        except Exception as err:
            raise AssertionError(f"the dashboard card of {url} did not turn {level}: last "
                                 f"data-level {seen[-1:]!r}") from err

    def text_in_card(self, url: str, testid: str) -> str:
        return App.rendered_text(
            self.card(url).find_element(By.CSS_SELECTOR, f'[data-testid="{testid}"]'))


# --------------------------------------------------------------------------------------------
# Accounts: the Users panel in Settings, the Audit log page


def choose_option(app: App, element: WebElement, value: str, *, stays: bool = True) -> None:
    """Chooses the option with this value in a <select> element, as a user would. With
    stays=False, the page may put the select back at once (a change it refused)."""
    from selenium.webdriver.support.select import Select

    center(app, element)
    Select(element).select_by_value(value)
    if stays:
        poll(lambda: element.get_property("value") == value,
             message=f"the select to hold {value!r}")


def set_field(app: App, element: WebElement, value: str) -> None:
    """Sets a filter or form control whatever it is: a <select> (by option value) or a field
    typed into (then Tab, which is when forms act on what was typed)."""
    if element.tag_name.lower() == "select":
        choose_option(app, element, value)
    else:
        type_into(app, element, value)
        element.send_keys(Keys.TAB)


_AUDIT_ROWS_JS = """
return Array.from(document.querySelectorAll('[data-testid="audit-row"]')).map((row) => {
  const cell = (testid) => {
    const found = row.querySelector(`[data-testid="${testid}"]`);
    return found ? found.innerText.trim() : null;
  };
  return {seq: row.getAttribute('data-seq'), actor: cell('audit-actor'),
          action: cell('audit-action'), object: cell('audit-object'),
          result: cell('audit-result'), changes: cell('audit-changes')};
});
"""


class AuditLogPage:
    """The Audit log page (admin): rows by `data-seq` with their cells, the filters, Verify and
    the exports."""

    FILTERS = ("actor", "action", "object", "result", "from", "to")

    def __init__(self, app: App):
        self.app = app

    def open(self) -> WebElement:
        page = self.app.goto("audit-log")
        self.wait_loaded()
        return page

    def wait_loaded(self) -> None:
        poll(lambda: self.app.exists("audit-empty") or self.app.exists("audit-no-match")
             or self.rows(), message="the Audit log to show rows (or that there are none)")

    def rows(self) -> list[dict[str, str | None]]:
        """Every row shown: {seq, actor, action, object, result, changes} (the cells' text)."""
        return self.app.driver.execute_script(_AUDIT_ROWS_JS)

    def wait_rows(self, check, what: str, timeout: float | None = None) -> list[dict]:
        seen: list[list[dict]] = []

        def holds():
            rows = self.rows()
            seen[:] = [rows]
            return rows if rows and check(rows) else None

        try:
            return poll(holds, timeout=timeout or TIMEOUT, message=what)
        except Exception as err:
            last = seen[-1] if seen else []
            raise AssertionError(f"the Audit log never showed {what}; last rows "
                                 f"({len(last)}): {pretty(last[:20])}") from err

    def filter(self, name: str, value: str) -> None:
        set_field(self.app, self.app.find(f"audit-filter-{name}"), value)

    def clear_filters(self) -> None:
        click_testid(self.app, "audit-filter-clear")
        poll(lambda: all(self._filter_value(n) in ("", None) for n in self.FILTERS
                         if self.app.exists(f"audit-filter-{n}")),
             message="every filter to be cleared")

    def _filter_value(self, name: str) -> str | None:
        return self.app.find(f"audit-filter-{name}", visible=False).get_property("value")

    def verify(self, ok: bool, timeout: float | None = None) -> WebElement:
        """Clicks Verify and waits for a result with data-ok="true" or "false"; returns it."""
        click_testid(self.app, "audit-verify")
        want = "true" if ok else "false"
        seen: list[str | None] = []

        def shown(driver):
            found = driver.find_elements(By.CSS_SELECTOR, '[data-testid="audit-verify-result"]')
            seen[:] = [found[0].get_attribute("data-ok") if found else None]
            return found[0] if found and seen[0] == want else False

        try:
            return self.app.wait(shown, timeout, message=f"audit-verify-result data-ok={want}")
        except Exception as err:
            raise AssertionError(f"Verify did not show data-ok={want}: last saw {seen[-1:]!r}") from err

    def export(self, fmt: str) -> str:
        """Clicks Export CSV or JSON and returns the text of the result once it shows."""
        before = (App.rendered_text(self.app.find_all('[data-testid="audit-export-result"]')[0])
                  if self.app.exists("audit-export-result") else None)
        click_testid(self.app, f"audit-export-{fmt}")
        return self.app.wait_text("audit-export-result",
                                  lambda text: bool(text) and text != before)


class UsersPanel:
    """Settings → Users (admin): the add form and a row per user (`user-row[data-username]`)."""

    def __init__(self, app: App):
        self.app = app

    def open(self) -> WebElement:
        self.app.goto("settings")
        panel = self.app.find("users-panel")
        self.row("admin")
        return panel

    def row(self, username: str, timeout: float | None = None) -> WebElement:
        return self.app.wait(
            lambda d: d.find_element(By.CSS_SELECTOR, by_attr("user-row", "data-username",
                                                              username)),
            timeout, message=f"the row of user {username}")

    def usernames(self) -> list[str]:
        return [r.get_attribute("data-username")
                for r in self.app.find_all('[data-testid="user-row"]')]

    def in_row(self, username: str, testid: str) -> WebElement:
        return self.row(username).find_element(By.CSS_SELECTOR, f'[data-testid="{testid}"]')

    def add(self, username: str, role: str, password: str,
            display_name: str | None = None) -> WebElement:
        """Add user → fills the form → Save; returns the new user's row."""
        click_testid(self.app, "add-user")
        type_into(self.app, self.app.find("user-username"), username)
        if display_name is not None:
            type_into(self.app, self.app.find("user-display-name"), display_name)
        choose_option(self.app, self.app.find("user-role"), role)
        type_into(self.app, self.app.find("user-password"), password)
        type_into(self.app, self.app.find("user-password-confirm"), password)
        click_testid(self.app, "user-save")
        return self.row(username)

    def set_role(self, username: str, role: str) -> None:
        """Chooses a role in the user's row (which saves it). The select goes back to the old
        role when core refuses; see `row_error`."""
        choose_option(self.app, self.in_row(username, "user-role-select"), role, stays=False)

    def row_error(self, username: str) -> str:
        def shown(_driver):
            found = self.row(username).find_elements(By.CSS_SELECTOR,
                                                     '[data-testid="user-row-error"]')
            return (App.rendered_text(found[0]) or False) if found else False

        return self.app.wait(shown, message=f"user-row-error in the row of {username}")
