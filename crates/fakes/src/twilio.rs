//! Fake Twilio: the 2010 REST API (account fetch, phone numbers, create message) and Messaging v1
//! service fetch. Bodies follow providers.md §1.3–1.6 and the official OpenAPI examples.

use axum::{
    http::{Method, StatusCode},
    response::Response,
};

use crate::{
    respond,
    routes::{self, Req},
    state::Shared,
    twilio_messages, Scenario,
};

/// The placeholder account SID of the official examples; replaced by the requested SID.
const EXAMPLE_ACCOUNT_SID: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

/// The magic sender that passes all validation (providers.md §1.6).
pub const MAGIC_FROM_OK: &str = "+15005550006";

/// The official `GET /2010-04-01/Accounts/{Sid}.json` example (twilio-oai), full subresource list.
const ACCOUNT_EXAMPLE: &str = include_str!("samples/twilio_account.json");

#[derive(Clone, Copy, PartialEq, Eq)]
enum Endpoint<'a> {
    Account { sid: &'a str },
    IncomingPhoneNumbers { sid: &'a str },
    Messages { sid: &'a str },
    Message { sid: &'a str, message: &'a str },
    MessagingService { sid: &'a str },
}

fn route<'a>(segments: &[&'a str]) -> Option<(Endpoint<'a>, Method)> {
    match segments {
        ["2010-04-01", "Accounts", file] => {
            let sid = file.strip_suffix(".json").filter(|sid| !sid.is_empty())?;
            Some((Endpoint::Account { sid }, Method::GET))
        }
        ["2010-04-01", "Accounts", sid, "IncomingPhoneNumbers.json"] => {
            Some((Endpoint::IncomingPhoneNumbers { sid }, Method::GET))
        }
        ["2010-04-01", "Accounts", sid, "Messages.json"] => {
            Some((Endpoint::Messages { sid }, Method::POST))
        }
        ["2010-04-01", "Accounts", sid, "Messages", file] => {
            let message = file.strip_suffix(".json").filter(|m| !m.is_empty())?;
            Some((Endpoint::Message { sid, message }, Method::GET))
        }
        ["v1", "Services", sid] => Some((Endpoint::MessagingService { sid }, Method::GET)),
        _ => None,
    }
}

pub(crate) async fn handle(shared: &Shared, scenario: Scenario, req: &Req) -> Response {
    let segments = req.segments();
    let Some((endpoint, method)) = route(&segments) else {
        return routes::not_found(&req.method, &req.path);
    };
    if req.method != method {
        return error(StatusCode::METHOD_NOT_ALLOWED, 20004, "Method not allowed");
    }
    if let Some(response) = respond::transport(scenario, req.conn.as_ref(), || {
        success_body(
            endpoint,
            req,
            "active",
            "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        )
    })
    .await
    {
        return response;
    }
    match scenario {
        Scenario::RateLimited { retry_after } => {
            let response = error(StatusCode::TOO_MANY_REQUESTS, 20429, "Too Many Requests");
            return respond::retry_after(response, retry_after);
        }
        Scenario::ServerError(status) => return server_error(status),
        _ => {}
    }
    // Every 2010 API call needs Basic auth; without it Twilio answers 20003 before anything else.
    if req.basic_auth().is_none() {
        return authenticate(StatusCode::UNAUTHORIZED);
    }
    let is_account = matches!(endpoint, Endpoint::Account { .. });
    match scenario {
        Scenario::WrongCredentials
        | Scenario::AccessTokenExpired
        | Scenario::AccessTokenRevoked
        | Scenario::InvalidGrant
        | Scenario::InvalidClient => authenticate(StatusCode::UNAUTHORIZED),
        Scenario::NotFound => error(
            StatusCode::NOT_FOUND,
            20404,
            &format!("The requested resource {} was not found", req.path),
        ),
        // A Standard or Restricted API key may do everything except read /Accounts.
        Scenario::MissingScope if is_account => authenticate(StatusCode::FORBIDDEN),
        Scenario::Suspended if is_account => {
            respond::json(StatusCode::OK, success_body(endpoint, req, "suspended", ""))
        }
        Scenario::Closed if is_account => {
            respond::json(StatusCode::OK, success_body(endpoint, req, "closed", ""))
        }
        // 20003's documented causes include a suspended or closed account.
        Scenario::Suspended | Scenario::Closed => authenticate(StatusCode::UNAUTHORIZED),
        _ => match endpoint {
            Endpoint::Messages { sid } => twilio_messages::create(shared, req, sid),
            Endpoint::Message { sid, message } => twilio_messages::fetch(shared, req, sid, message),
            _ => respond::json(StatusCode::OK, success_body(endpoint, req, "active", "")),
        },
    }
}

/// `{"code":…,"message":…,"more_info":…,"status":…}`, the 2010 API's error shape.
pub(crate) fn error(status: StatusCode, code: u32, message: &str) -> Response {
    let body = format!(
        r#"{{"code":{code},"message":{message},"more_info":"https://www.twilio.com/docs/errors/{code}","status":{status}}}"#,
        message = json_string(message),
        status = status.as_u16(),
    );
    respond::json(status, body)
}

/// 20003 "Authenticate"; with 401 byte for byte the captured body of providers.md §1.4.
fn authenticate(status: StatusCode) -> Response {
    error(status, 20003, "Authenticate")
}

fn server_error(status: u16) -> Response {
    let status = respond::server_error_status(status);
    match status {
        StatusCode::SERVICE_UNAVAILABLE => error(status, 20503, "Service unavailable"),
        _ => error(status, 20500, "An internal server error has occurred"),
    }
}

fn success_body(
    endpoint: Endpoint<'_>,
    req: &Req,
    account_status: &str,
    message_sid: &str,
) -> String {
    match endpoint {
        Endpoint::Account { sid } => account_body(sid, account_status, req),
        Endpoint::IncomingPhoneNumbers { sid } => incoming_phone_numbers_body(sid, req),
        Endpoint::Messages { sid } => message_body(
            sid,
            message_sid,
            &req.form_value("To").unwrap_or_default(),
            req.form_value("From").as_deref(),
            req.form_value("MessagingServiceSid").as_deref(),
            &req.form_value("Body").unwrap_or_default(),
        ),
        Endpoint::Message { sid, message } => message_body(sid, message, "", None, None, ""),
        Endpoint::MessagingService { sid } => messaging_service_body(sid, req),
    }
}

/// The example with the requested SID and status. Like the real API, it echoes the account's
/// auth token: when the caller authenticates as the account itself, that is the Basic password
/// (so a test can prove the client never stores or logs this body raw).
fn account_body(sid: &str, status: &str, req: &Req) -> String {
    let body = ACCOUNT_EXAMPLE
        .replace(EXAMPLE_ACCOUNT_SID, sid)
        .replace(r#""status": "active""#, &format!(r#""status": "{status}""#));
    match req.basic_auth() {
        Some((user, token)) if user == sid => body.replace(
            r#""auth_token": "auth_token""#,
            &format!(r#""auth_token": {}"#, json_string(&token)),
        ),
        _ => body,
    }
}

fn incoming_phone_numbers_body(sid: &str, req: &Req) -> String {
    let page_size = req
        .query
        .as_deref()
        .and_then(|query| {
            form_urlencoded::parse(query.as_bytes())
                .find(|(key, _)| key == "PageSize")
                .and_then(|(_, value)| value.parse::<u32>().ok())
        })
        .unwrap_or(50);
    let list_uri =
        format!("/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json?PageSize={page_size}&Page=0");
    serde_json::json!({
        "end": 0,
        "first_page_uri": list_uri,
        "incoming_phone_numbers": [{
            "account_sid": sid,
            "address_requirements": "none",
            "address_sid": null,
            "api_version": "2010-04-01",
            "beta": false,
            "capabilities": {"fax": false, "mms": true, "sms": true, "voice": true},
            "date_created": "Thu, 30 Jul 2015 23:19:04 +0000",
            "date_updated": "Thu, 30 Jul 2015 23:19:04 +0000",
            "friendly_name": "(500) 555-0006",
            "origin": "twilio",
            "phone_number": MAGIC_FROM_OK,
            "sid": "PNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "sms_application_sid": "",
            "sms_fallback_method": "POST",
            "sms_fallback_url": "",
            "sms_method": "POST",
            "sms_url": "",
            "status": "in-use",
            "uri": format!("/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers/PNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.json"),
            "voice_method": "POST",
            "voice_url": ""
        }],
        "next_page_uri": null,
        "page": 0,
        "page_size": page_size,
        "previous_page_uri": null,
        "start": 0,
        "uri": list_uri
    })
    .to_string()
}

fn messaging_service_body(sid: &str, req: &Req) -> String {
    // The account is whoever authenticates with an AC SID; an API key (SK…) does not name it.
    let account_sid = req
        .basic_auth()
        .map(|(user, _)| user)
        .filter(|user| user.starts_with("AC"))
        .unwrap_or_else(|| EXAMPLE_ACCOUNT_SID.to_owned());
    let url = format!("https://messaging.twilio.com/v1/Services/{sid}");
    serde_json::json!({
        "account_sid": account_sid,
        "date_created": "Thu, 30 Jul 2015 20:00:00 +0000",
        "date_updated": "Thu, 30 Jul 2015 20:00:00 +0000",
        "friendly_name": "Clinic reminders",
        "inbound_method": "POST",
        "inbound_request_url": null,
        "links": {
            "phone_numbers": format!("{url}/PhoneNumbers"),
            "short_codes": format!("{url}/ShortCodes"),
            "alpha_senders": format!("{url}/AlphaSenders")
        },
        "sid": sid,
        "status_callback": null,
        "url": url,
        "usecase": "notifications"
    })
    .to_string()
}

/// The official 201 example (`createWithMessagingService`) with the request's values.
fn message_body(
    account_sid: &str,
    message_sid: &str,
    to: &str,
    from: Option<&str>,
    messaging_service_sid: Option<&str>,
    body: &str,
) -> String {
    let base = format!("/2010-04-01/Accounts/{account_sid}/Messages/{message_sid}");
    serde_json::json!({
        "account_sid": account_sid,
        "api_version": "2010-04-01",
        "body": body,
        "date_created": "Thu, 30 Jul 2015 20:12:31 +0000",
        "date_sent": "Thu, 30 Jul 2015 20:12:33 +0000",
        "date_updated": "Thu, 30 Jul 2015 20:12:33 +0000",
        "direction": "outbound-api",
        "error_code": null,
        "error_message": null,
        "from": from,
        "messaging_service_sid": messaging_service_sid,
        "num_media": "0",
        "num_segments": "1",
        "price": null,
        "price_unit": null,
        "sid": message_sid,
        "status": "queued",
        "subresource_uris": {"media": format!("{base}/Media.json")},
        "to": to,
        "uri": format!("{base}.json")
    })
    .to_string()
}

fn json_string(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}
