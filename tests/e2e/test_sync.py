"""Sync in the real window: a manager turns on QuickBooks invoices and picks the Items from the
company's own list (read live from the fake QuickBooks), the practice system posts
`invoice.created` and `invoice.paid` to the window's ingest API, and the card's sync line and the
sync log show the QuickBooks invoice and payment that the window's sync worker made."""

from __future__ import annotations

import json
import urllib.request

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from harness import TIMEOUT, poll
from pages import add_with_cli
from test_webhooks import ingest_ready, open_window, post_event

REALM = "9341453000000001"


def quickbooks_objects(fakes, entity: str) -> list[dict]:
    with urllib.request.urlopen(f"{fakes.control_url}/quickbooks/{REALM}/{entity}",
                                timeout=10) as answer:
        return json.loads(answer.read())


def test_quickbooks_invoices_and_payments_from_the_ingest_api_to_the_sync_log(
        start_app, run_cli, fakes, tmp_path):
    fakes.set_quickbooks_refresh_token("RT1-e2e-refresh")
    books = add_with_cli(run_cli, "quickbooks", "Books", base_url=fakes.base_url,
                         environment="sandbox",
                         values={"client_id": "ABclient", "realm_id": REALM},
                         secrets={"client_secret": "qb-e2e-client-secret",
                                  "refresh_token": "RT1-e2e-refresh"})
    key = run_cli.json("--json", "apikey", "create", "--name", "pms",
                       "--scope", "invoice.created", "--scope", "invoice.paid")["secret"]
    app, port, _ = open_window(start_app, tmp_path)
    poll(lambda: ingest_ready(port), timeout=max(TIMEOUT, 30), message="the ingest API")

    # The integration's page: turn the rule on, pick the Items from QuickBooks's own list.
    app.driver.execute_script(f"location.hash = '#/dashboard/{books['id']}'")
    app.find("sync-rules")
    rule_css = '[data-testid="sync-rule"][data-rule="invoices"]'
    rule = app.wait(lambda d: d.find_element(By.CSS_SELECTOR, rule_css), message="the rule")
    # The switch is a styled checkbox under its label: clicked as a keyboard user toggles it.
    switch = rule.find_element(By.CSS_SELECTOR, '[data-testid="sync-rule-switch"]')
    app.driver.execute_script("arguments[0].click()", switch)
    poll(lambda: app.driver.find_element(By.CSS_SELECTOR, rule_css)
         .get_attribute("data-enabled") == "true", message="the rule to be on")
    service = app.find("qb-select-item_service", max(TIMEOUT, 30))
    poll(lambda: any(o.text.startswith("Exam") for o in Select(service).options),
         message="QuickBooks's Items in the dropdown")
    Select(service).select_by_value("2")
    Select(app.find("qb-select-payment_method_card")).select_by_value("3")
    app.click("rule-settings-save")
    app.find("rule-settings-saved")
    stored = run_cli.json("--json", "integration", "show", "Books")["settings"]
    assert stored["item_service"] == "2" and stored["payment_method_card"] == "3", stored

    # The practice system posts an invoice and its payment.
    invoice = {"type": "invoice.created", "data": {
        "id": "inv_e2e_1", "number": "VET-9001", "issued_on": "2026-12-01", "currency": "USD",
        "owner_id": "own_77", "owner_name": "Robin Vale",
        "lines": [{"description": "Exam", "kind": "service", "quantity": "1",
                   "unit_price": "65.00", "amount": "65.00"}],
        "total": "65.00"}}
    paid = {"type": "invoice.paid", "data": {"invoice_id": "inv_e2e_1", "amount": "65.00",
                                             "method": "card"}}
    for event in (invoice, paid):
        status, _, answer = post_event(port, json.dumps(event).encode(), key)
        assert status == 202, answer

    poll(lambda: len(quickbooks_objects(fakes, "payment")) == 1, timeout=max(TIMEOUT, 60),
         message="the payment in QuickBooks")
    invoices = quickbooks_objects(fakes, "invoice")
    assert [i["DocNumber"] for i in invoices] == ["VET-9001"]
    payment = quickbooks_objects(fakes, "payment")[0]
    assert payment["Line"][0]["LinkedTxn"][0]["TxnId"] == invoices[0]["Id"]
    assert payment["PaymentMethodRef"]["value"] == "3"

    # The card's sync line and the sync log say so.
    app.wait_text("sync-counts", lambda text: "Synced today 2" in text)
    app.goto("sync-log")
    poll(lambda: len(app.find_all('[data-testid="sync-row"]')) == 2, message="two jobs in the log")
    objects = [e.text for e in app.find_all('[data-testid="sync-provider-object"]')]
    assert any(f"Invoice {invoices[0]['Id']}" in o for o in objects), objects
    assert any(f"Payment {payment['Id']}" in o for o in objects), objects
