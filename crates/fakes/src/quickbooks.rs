//! Fake QuickBooks Online: the OAuth token endpoint with refresh-token rotation (providers.md
//! §3.2) and the CompanyInfo read used as the connection test (§3.3), with the faults of §3.4.

use axum::{
    http::{HeaderName, HeaderValue, Method, StatusCode},
    response::Response,
};

use crate::{
    respond,
    routes::{self, Req},
    state::Shared,
    Scenario,
};

/// The official CompanyInfo sample, verbatim (providers.md §3.3).
const COMPANY_INFO: &str = include_str!("samples/quickbooks_company_info.json");
/// The gateway's lower-case 401 envelope, verbatim (providers.md §3.4).
pub(crate) const FAULT_3200: &str = include_str!("samples/quickbooks_fault_3200.json");
/// The gateway's lower-case 403 envelope, verbatim (providers.md §3.4).
pub(crate) const FAULT_3100: &str = include_str!("samples/quickbooks_fault_3100.json");
/// The token endpoint's refusal of a refresh token, verbatim (providers.md §3.4).
const INVALID_GRANT: &str = r#"{"error_description":"Token invalid","error":"invalid_grant"}"#;
const INVALID_CLIENT: &str = r#"{"error":"invalid_client"}"#;

const XML_DECLARATION: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#;

/// What the API answers without `Accept: application/json` and a good token (the sample in XML).
const COMPANY_INFO_XML: &str = r#"<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="2015-07-10T09:38:58.155-07:00"><CompanyInfo domain="QBO" sparse="false"><Id>1</Id><SyncToken>4</SyncToken><MetaData><CreateTime>2015-06-05T13:55:54-07:00</CreateTime><LastUpdatedTime>2015-07-06T08:51:50-07:00</LastUpdatedTime></MetaData><CompanyName>Larry's Bakery</CompanyName><LegalName>Larry's Bakery</LegalName><CompanyAddr><Id>1</Id><Line1>2500 Garcia Ave</Line1><City>Mountain View</City><Country>US</Country><CountrySubDivisionCode>CA</CountrySubDivisionCode><PostalCode>94043</PostalCode></CompanyAddr><CustomerCommunicationAddr><Id>1</Id><Line1>2500 Garcia Ave</Line1><City>Mountain View</City><Country>US</Country><CountrySubDivisionCode>CA</CountrySubDivisionCode><PostalCode>94043</PostalCode></CustomerCommunicationAddr><LegalAddr><Id>1</Id><Line1>2500 Garcia Ave</Line1><City>Mountain View</City><Country>US</Country><CountrySubDivisionCode>CA</CountrySubDivisionCode><PostalCode>94043</PostalCode></LegalAddr><PrimaryPhone><FreeFormNumber>(650)944-4444</FreeFormNumber></PrimaryPhone><CompanyStartDate>2015-06-05</CompanyStartDate><FiscalYearStartMonth>January</FiscalYearStartMonth><Country>US</Country><Email><Address>donotreply@intuit.com</Address></Email><WebAddr/><SupportedLanguages>en</SupportedLanguages><EmployerId>123456789</EmployerId><NameValue><Name>NeoEnabled</Name><Value>true</Value></NameValue><NameValue><Name>IndustryType</Name><Value>Bread and Bakery Product Manufacturing</Value></NameValue><NameValue><Name>IndustryCode</Name><Value>31181</Value></NameValue><NameValue><Name>SubscriptionStatus</Name><Value>PAID</Value></NameValue><NameValue><Name>OfferingSku</Name><Value>QuickBooks Online Plus</Value></NameValue><NameValue><Name>PayrollFeature</Name><Value>true</Value></NameValue><NameValue><Name>AccountantFeature</Name><Value>false</Value></NameValue></CompanyInfo></IntuitResponse>"#;

/// What a rejected token gets without `Accept: application/json` (python-quickbooks#120).
const AUTHENTICATION_FAULT_XML: &str = r#"<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="2015-07-10T09:38:58.155-07:00"><Fault type="AuthenticationFault"><Error code="100"><Message>General Authentication Error</Message><Detail>AuthenticationErrorGeneral: SRV-110-Authentication Failure , statusCode: 401</Detail></Error></Fault></IntuitResponse>"#;

/// Every Intuit response carries a transaction id for support (providers.md §3.2).
pub(crate) const INTUIT_TID: &str = "1-fake-0000-switchboard";

/// Access tokens last an hour, refresh tokens 101 days (providers.md §3.1).
const ACCESS_TOKEN_LIFETIME: u32 = 3600;
const REFRESH_TOKEN_LIFETIME: u32 = 8_726_400;
const REFRESH_TOKEN_HARD_LIFETIME: u32 = 156_032_154;

enum Endpoint<'a> {
    Token,
    CompanyInfo { realm: &'a str, id: &'a str },
}

pub(crate) async fn handle(shared: &Shared, scenario: Scenario, req: &Req) -> Response {
    let segments = req.segments();
    let (endpoint, method) = match segments.as_slice() {
        ["oauth2", "v1", "tokens", "bearer"] => (Endpoint::Token, Method::POST),
        ["v3", "company", realm, "companyinfo", id] => {
            (Endpoint::CompanyInfo { realm, id }, Method::GET)
        }
        _ => return routes::not_found(&req.method, &req.path),
    };
    if req.method != method {
        return routes::method_not_allowed(&req.method, &req.path);
    }
    let mut response = match endpoint {
        Endpoint::Token => token(shared, scenario, req).await,
        Endpoint::CompanyInfo { realm, id } => company_info(shared, scenario, req, realm, id).await,
    };
    response.headers_mut().insert(
        HeaderName::from_static("intuit_tid"),
        HeaderValue::from_static(INTUIT_TID),
    );
    response
}

/// `POST /oauth2/v1/tokens/bearer`. Transport scenarios apply here too: it is called first.
async fn token(shared: &Shared, scenario: Scenario, req: &Req) -> Response {
    let hard_expiry = wants_hard_expiry(req);
    if let Some(response) = respond::transport(scenario, req.conn.as_ref(), || {
        token_body("AT-fake-slow", "RT1-fake-slow", hard_expiry)
    })
    .await
    {
        return response;
    }
    match scenario {
        Scenario::InvalidGrant => return respond::json(StatusCode::BAD_REQUEST, INVALID_GRANT),
        Scenario::InvalidClient => return respond::json(StatusCode::UNAUTHORIZED, INVALID_CLIENT),
        _ => {}
    }
    let has_client = req
        .basic_auth()
        .is_some_and(|(id, secret)| !id.is_empty() && !secret.is_empty());
    if !has_client {
        return respond::json(StatusCode::UNAUTHORIZED, INVALID_CLIENT);
    }
    let (access, refresh) = match req.form_value("grant_type").as_deref() {
        Some("refresh_token") => {
            let Some(presented) = req.form_value("refresh_token").filter(|t| !t.is_empty()) else {
                return invalid_request();
            };
            let mut state = shared.lock();
            let tokens = &mut state.quickbooks_tokens;
            // The first token presented is taken on trust; after that only the latest issued one.
            if tokens
                .accepted_refresh_token
                .as_ref()
                .is_some_and(|accepted| *accepted != presented)
            {
                return respond::json(StatusCode::BAD_REQUEST, INVALID_GRANT);
            }
            issue(tokens)
        }
        Some("authorization_code") => {
            let Some(code) = req.form_value("code").filter(|code| !code.is_empty()) else {
                return invalid_request();
            };
            // Single-use, 5 minutes, for this client and redirect URI (oauth.rs).
            let client_id = req.basic_auth().map(|(id, _)| id);
            let redirect_uri = req.form_value("redirect_uri");
            if redirect_uri.is_none() {
                return invalid_request();
            }
            if crate::oauth::redeem_code(
                shared,
                crate::FakeProvider::Quickbooks,
                &code,
                client_id.as_deref(),
                redirect_uri.as_deref(),
                None,
            )
            .is_err()
            {
                return crate::oauth::intuit_invalid_grant();
            }
            issue(&mut shared.lock().quickbooks_tokens)
        }
        _ => {
            return respond::json(
                StatusCode::BAD_REQUEST,
                r#"{"error":"unsupported_grant_type"}"#,
            )
        }
    };
    respond::json(StatusCode::OK, token_body(&access, &refresh, hard_expiry))
}

/// Issues a new access token and a new (rotated) refresh token; only these are accepted from now on.
fn issue(tokens: &mut crate::state::QuickbooksTokens) -> (String, String) {
    tokens.issued += 1;
    let access = format!("AT-fake-{}", tokens.issued);
    let refresh = format!("RT1-fake-{}", tokens.issued);
    tokens.access_token = Some(access.clone());
    tokens.accepted_refresh_token = Some(refresh.clone());
    (access, refresh)
}

fn invalid_request() -> Response {
    respond::json(StatusCode::BAD_REQUEST, r#"{"error":"invalid_request"}"#)
}

/// The hard-expiry field is only sent to clients that ask for it (providers.md §3.1).
fn wants_hard_expiry(req: &Req) -> bool {
    req.header("x-include-refresh-token-hard-expires-in")
        .is_some_and(|value| value.eq_ignore_ascii_case("true"))
}

/// The field order of Intuit's sample (`intuit-js-oauth` `test/HardExpiresTest.js`).
fn token_body(access: &str, refresh: &str, hard_expiry: bool) -> String {
    let hard = if hard_expiry {
        format!(r#", "x_refresh_token_hard_expires_in": {REFRESH_TOKEN_HARD_LIFETIME}"#)
    } else {
        String::new()
    };
    format!(
        r#"{{"access_token": "{access}", "token_type": "bearer", "expires_in": {ACCESS_TOKEN_LIFETIME}, "refresh_token": "{refresh}", "x_refresh_token_expires_in": {REFRESH_TOKEN_LIFETIME}{hard}}}"#
    )
}

/// `GET /v3/company/{realm}/companyinfo/{realm}`.
async fn company_info(
    shared: &Shared,
    scenario: Scenario,
    req: &Req,
    realm: &str,
    id: &str,
) -> Response {
    if let Some(response) =
        respond::transport(scenario, req.conn.as_ref(), || COMPANY_INFO.to_owned()).await
    {
        return response;
    }
    match scenario {
        Scenario::RateLimited { retry_after } => {
            let response = fault(
                StatusCode::TOO_MANY_REQUESTS,
                "SERVICE",
                "3001",
                "message=ThrottleExceeded; errorCode=003001; statusCode=429",
                "The request limit was reached.  Try again later",
            );
            return respond::retry_after(response, retry_after);
        }
        Scenario::ServerError(status) => {
            return fault(
                respond::server_error_status(status),
                "SystemFault",
                "10000",
                "An application error has occurred while processing your request",
                "System Failure Error: An unexpected error occurred while accessing or saving your data. Please wait a few minutes and try again. If the problem persists, contact customer support.",
            );
        }
        // An expired, revoked or wrong token: 3200 however often the client refreshes.
        Scenario::WrongCredentials
        | Scenario::AccessTokenExpired
        | Scenario::AccessTokenRevoked => {
            return authentication_failed(req);
        }
        // 3100: the app is not authorized for this realm (wrong realm, keys or scope).
        Scenario::MissingScope | Scenario::NotFound => {
            return respond::json(StatusCode::FORBIDDEN, FAULT_3100);
        }
        _ => {}
    }
    let current = shared.lock().quickbooks_tokens.access_token.clone();
    if current.is_none() || req.bearer() != current.as_deref() {
        return authentication_failed(req);
    }
    if realm != id {
        return fault(
            StatusCode::BAD_REQUEST,
            "ValidationFault",
            "610",
            "Object Not Found",
            &format!("Object Not Found : Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees. (companyinfo {id} in company {realm})"),
        );
    }
    if !req.accepts_json() {
        return respond::xml(
            StatusCode::OK,
            format!("{XML_DECLARATION}\n{COMPANY_INFO_XML}"),
        );
    }
    respond::json(StatusCode::OK, COMPANY_INFO)
}

/// 401 3200 in the gateway's lower-case JSON envelope, or the XML fault if JSON was not asked for.
pub(crate) fn authentication_failed(req: &Req) -> Response {
    if req.accepts_json() {
        respond::json(StatusCode::UNAUTHORIZED, FAULT_3200)
    } else {
        respond::xml(
            StatusCode::UNAUTHORIZED,
            format!("{XML_DECLARATION}\n{AUTHENTICATION_FAULT_XML}"),
        )
    }
}

/// The documented capitalised `Fault` shape (providers.md §3.4).
fn fault(status: StatusCode, kind: &str, code: &str, message: &str, detail: &str) -> Response {
    let body = serde_json::json!({
        "Fault": {
            "Error": [{"Message": message, "Detail": detail, "code": code, "element": ""}],
            "type": kind
        },
        "time": "2015-07-10T09:38:58.155-07:00"
    });
    respond::json(status, body.to_string())
}
