//! One description per provider: fields, labels, help text, rules and environments.
//! Facts and sources: `shared/reference/providers.md`.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    Twilio,
    Square,
    Quickbooks,
}

impl Provider {
    pub const ALL: [Provider; 3] = [Provider::Twilio, Provider::Square, Provider::Quickbooks];

    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Twilio => "twilio",
            Provider::Square => "square",
            Provider::Quickbooks => "quickbooks",
        }
    }

    pub fn parse(s: &str) -> Option<Provider> {
        Provider::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

impl std::fmt::Display for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// When QuickBooks invoices are sent.
pub const SYNC_SCHEDULES: &[ChoiceOption] = &[
    ChoiceOption {
        value: "real_time",
        label: "Real time",
    },
    ChoiceOption {
        value: "daily",
        label: "Once a day",
    },
    ChoiceOption {
        value: "manual",
        label: "Only on “Sync now”",
    },
];

/// How a field's value is checked. The UI shows the rule's wording; core enforces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum FieldKind {
    /// A fixed prefix followed by exactly 32 hexadecimal characters (Twilio SIDs).
    TwilioSid { prefix: &'static str },
    /// A Twilio sender: an E.164 phone number or a Messaging Service SID (`MG` + 32 hex).
    TwilioSender,
    /// An opaque credential: printable ASCII without spaces.
    Token,
    /// A Square location id: letters and digits.
    SquareLocationId,
    /// A date in `YYYY-MM-DD` form (the `Square-Version` header).
    ApiVersionDate,
    /// Digits only (the QuickBooks company / realm id).
    Digits,
    /// One of a fixed set of values.
    Choice { options: &'static [ChoiceOption] },
    /// A text message template with `{placeholders}` (any characters; see `sms::Template`).
    SmsTemplate,
    /// A wall-clock time, `HH:MM` (24-hour).
    TimeOfDay,
    /// An IANA time zone name (`America/New_York`).
    TimeZone,
    /// A whole number within bounds.
    Number { min: u32, max: u32 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
pub struct ChoiceOption {
    pub value: &'static str,
    pub label: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Requirement {
    Required,
    Optional,
    /// Required when another field has the given value, ignored otherwise.
    RequiredWhen {
        field: &'static str,
        equals: &'static str,
    },
}

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct FieldSpec {
    pub name: &'static str,
    pub label: &'static str,
    /// What the value is and where to find it.
    pub help: &'static str,
    pub placeholder: &'static str,
    pub secret: bool,
    pub requirement: Requirement,
    pub kind: FieldKind,
    pub max_len: u32,
    /// Pre-filled value for a new integration.
    pub default: Option<&'static str>,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentSpec {
    pub name: &'static str,
    pub label: &'static str,
    pub help: &'static str,
    /// Where connection tests go, unless a custom base URL is set under "Advanced".
    pub base_url: &'static str,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ProviderSpec {
    pub provider: Provider,
    pub name: &'static str,
    pub purpose: &'static str,
    pub environments: Vec<EnvironmentSpec>,
    pub fields: Vec<FieldSpec>,
    pub docs_url: &'static str,
}

impl ProviderSpec {
    pub fn field(&self, name: &str) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| f.name == name)
    }

    pub fn environment(&self, name: &str) -> Option<&EnvironmentSpec> {
        self.environments.iter().find(|e| e.name == name)
    }

    pub fn secret_fields(&self) -> impl Iterator<Item = &FieldSpec> {
        self.fields.iter().filter(|f| f.secret)
    }
}

/// Every provider, in the order the UI offers them.
pub fn catalog() -> Vec<ProviderSpec> {
    Provider::ALL.into_iter().map(spec).collect()
}

const TWILIO_AUTH_METHODS: &[ChoiceOption] = &[
    ChoiceOption {
        value: "auth_token",
        label: "Account SID and Auth Token",
    },
    ChoiceOption {
        value: "api_key",
        label: "API Key SID and secret",
    },
];

pub fn spec(provider: Provider) -> ProviderSpec {
    match provider {
        Provider::Twilio => ProviderSpec {
            provider,
            name: "Twilio",
            purpose: "Appointment reminders and two-way SMS",
            docs_url: "https://www.twilio.com/docs/iam/api-keys",
            environments: vec![
                EnvironmentSpec {
                    name: "live",
                    label: "Live credentials",
                    help: "Real messages are sent and billed.",
                    base_url: "https://api.twilio.com",
                },
                EnvironmentSpec {
                    name: "test",
                    label: "Test credentials",
                    help: "Twilio's test credentials: nothing is sent or billed; the connection \
                           test sends to Twilio's magic test number.",
                    base_url: "https://api.twilio.com",
                },
            ],
            fields: vec![
                FieldSpec {
                    name: "account_sid",
                    label: "Account SID",
                    help: "Twilio Console → Account Info. Starts with AC, 34 characters.",
                    placeholder: "AC0123456789abcdef0123456789abcdef",
                    secret: false,
                    requirement: Requirement::Required,
                    kind: FieldKind::TwilioSid { prefix: "AC" },
                    max_len: 34,
                    default: None,
                },
                FieldSpec {
                    name: "auth_method",
                    label: "Sign in with",
                    help: "An API key can be revoked on its own without changing the account's \
                           Auth Token. It must be a Main key to read the account.",
                    placeholder: "",
                    secret: false,
                    requirement: Requirement::Required,
                    kind: FieldKind::Choice { options: TWILIO_AUTH_METHODS },
                    max_len: 16,
                    default: Some("auth_token"),
                },
                FieldSpec {
                    name: "auth_token",
                    label: "Auth Token",
                    help: "Twilio Console → Account Info → Auth Token (press Show).",
                    placeholder: "32 characters",
                    secret: true,
                    requirement: Requirement::RequiredWhen {
                        field: "auth_method",
                        equals: "auth_token",
                    },
                    kind: FieldKind::Token,
                    max_len: 128,
                    default: None,
                },
                FieldSpec {
                    name: "api_key_sid",
                    label: "API Key SID",
                    help: "Twilio Console → Account → API keys & tokens. Starts with SK.",
                    placeholder: "SK0123456789abcdef0123456789abcdef",
                    secret: false,
                    requirement: Requirement::RequiredWhen { field: "auth_method", equals: "api_key" },
                    kind: FieldKind::TwilioSid { prefix: "SK" },
                    max_len: 34,
                    default: None,
                },
                FieldSpec {
                    name: "api_key_secret",
                    label: "API Key secret",
                    help: "Shown once by Twilio when the key was created.",
                    placeholder: "",
                    secret: true,
                    requirement: Requirement::RequiredWhen { field: "auth_method", equals: "api_key" },
                    kind: FieldKind::Token,
                    max_len: 128,
                    default: None,
                },
                FieldSpec {
                    name: "sender",
                    label: "Send from",
                    help: "Your Twilio phone number in international form (+15551234567), or a \
                           Messaging Service SID (starts with MG).",
                    placeholder: "+15551234567",
                    secret: false,
                    requirement: Requirement::Required,
                    kind: FieldKind::TwilioSender,
                    max_len: 34,
                    default: None,
                },
                FieldSpec {
                    name: "confirmation_template",
                    label: "Confirmation text",
                    help: "Sent when an appointment is booked (sync rule: appointment texts). \
                           Placeholders: {clinic_name} {pet_name} {owner_name} {date} {time} \
                           {vet_name}.",
                    placeholder: "",
                    secret: false,
                    requirement: Requirement::Optional,
                    kind: FieldKind::SmsTemplate,
                    max_len: 1600,
                    default: Some("{clinic_name}: {pet_name}'s appointment is booked for {date} at {time}. Reply STOP to opt out."),
                },
                FieldSpec {
                    name: "reminder_template",
                    label: "Reminder text",
                    help: "Sent the set number of hours before the appointment.",
                    placeholder: "",
                    secret: false,
                    requirement: Requirement::Optional,
                    kind: FieldKind::SmsTemplate,
                    max_len: 1600,
                    default: Some("{clinic_name}: reminder, {pet_name} sees {vet_name} on {date} at {time}. Reply STOP to opt out."),
                },
                FieldSpec {
                    name: "cancellation_template",
                    label: "Cancellation text",
                    help: "Sent when an appointment is cancelled.",
                    placeholder: "",
                    secret: false,
                    requirement: Requirement::Optional,
                    kind: FieldKind::SmsTemplate,
                    max_len: 1600,
                    default: Some("{clinic_name}: {pet_name}'s appointment on {date} at {time} is cancelled. Call us to rebook."),
                },
                FieldSpec {
                    name: "reminder_hours",
                    label: "Remind hours before",
                    help: "How many hours before the appointment the reminder goes out (1 to 168).",
                    placeholder: "24",
                    secret: false,
                    requirement: Requirement::Optional,
                    kind: FieldKind::Number { min: 1, max: 168 },
                    max_len: 3,
                    default: Some("24"),
                },
                FieldSpec {
                    name: "quiet_start",
                    label: "Quiet hours from",
                    help: "No texts from this time (the clinic's clock, HH:MM)…",
                    placeholder: "21:00",
                    secret: false,
                    requirement: Requirement::Optional,
                    kind: FieldKind::TimeOfDay,
                    max_len: 5,
                    default: Some("21:00"),
                },
                FieldSpec {
                    name: "quiet_end",
                    label: "Quiet hours until",
                    help: "…until this time; texts due meanwhile wait. The same time twice means no \
                           quiet hours.",
                    placeholder: "08:00",
                    secret: false,
                    requirement: Requirement::Optional,
                    kind: FieldKind::TimeOfDay,
                    max_len: 5,
                    default: Some("08:00"),
                },
                FieldSpec {
                    name: "time_zone",
                    label: "Clinic time zone",
                    help: "For quiet hours and the times in texts, e.g. America/New_York. Empty: \
                           this computer's time zone.",
                    placeholder: "America/New_York",
                    secret: false,
                    requirement: Requirement::Optional,
                    kind: FieldKind::TimeZone,
                    max_len: 64,
                    default: None,
                },
            ],
        },
        Provider::Square => ProviderSpec {
            provider,
            name: "Square",
            purpose: "Card payments at the front desk and online",
            docs_url: "https://developer.squareup.com/docs/build-basics/access-tokens",
            environments: vec![
                EnvironmentSpec {
                    name: "production",
                    label: "Production",
                    help: "Real payments.",
                    base_url: "https://connect.squareup.com",
                },
                EnvironmentSpec {
                    name: "sandbox",
                    label: "Sandbox",
                    help: "Square's test environment; sandbox tokens only work here.",
                    base_url: "https://connect.squareupsandbox.com",
                },
            ],
            fields: vec![
                FieldSpec {
                    name: "application_id",
                    label: "Application ID",
                    help: "Square Developer Console → your application → Credentials → \
                           Application ID (sandbox or production, matching the environment). \
                           Needed for “Connect to Square”.",
                    placeholder: "sq0idp-…",
                    secret: false,
                    requirement: Requirement::Optional,
                    kind: FieldKind::Token,
                    max_len: 191,
                    default: None,
                },
                FieldSpec {
                    name: "application_secret",
                    label: "Application secret (optional)",
                    help: "Only if your organisation keeps the secret: Connect then uses the code \
                           flow and Disconnect can revoke the grant. Without it Connect uses PKCE.",
                    placeholder: "sq0csp-…",
                    secret: true,
                    requirement: Requirement::Optional,
                    kind: FieldKind::Token,
                    max_len: 1024,
                    default: None,
                },
                FieldSpec {
                    name: "access_token",
                    label: "Access token",
                    help: "Filled by “Connect to Square”, or enter one instead: Square Developer \
                           Console → your application → Credentials → Access token (production or \
                           sandbox, matching the environment).",
                    placeholder: "EAAA…",
                    secret: true,
                    requirement: Requirement::Optional,
                    kind: FieldKind::Token,
                    max_len: 1024,
                    default: None,
                },
                FieldSpec {
                    name: "refresh_token",
                    label: "Refresh token",
                    help: "Filled by “Connect to Square”; Switchboard keeps each new one Square \
                           returns.",
                    placeholder: "EQAA…",
                    secret: true,
                    requirement: Requirement::Optional,
                    kind: FieldKind::Token,
                    max_len: 1024,
                    default: None,
                },
                FieldSpec {
                    name: "location_id",
                    label: "Location ID",
                    help: "Chosen from the merchant's active locations after Connect, or Square \
                           Dashboard → Settings → Locations → the clinic's location → Location ID.",
                    placeholder: "18YC4JDH91E1H",
                    secret: false,
                    requirement: Requirement::Optional,
                    kind: FieldKind::SquareLocationId,
                    max_len: 32,
                    default: None,
                },
                FieldSpec {
                    name: "redirect_port",
                    label: "Redirect port",
                    help: "Connect listens on http://localhost:<port>/callback; register exactly \
                           that address with the provider (development keys / sandbox).",
                    placeholder: "47321",
                    secret: false,
                    requirement: Requirement::Optional,
                    kind: FieldKind::Digits,
                    max_len: 5,
                    default: Some("47321"),
                },
                FieldSpec {
                    name: "relay_url",
                    label: "Relay page URL (production keys)",
                    help: "Production keys only redirect to an HTTPS page: host Switchboard's relay \
                           page (docs/oauth-relay.md), register its address with the provider and \
                           enter it here.",
                    placeholder: "https://example.com/switchboard-oauth/",
                    secret: false,
                    requirement: Requirement::Optional,
                    kind: FieldKind::Token,
                    max_len: 2048,
                    default: None,
                },
                FieldSpec {
                    name: "square_version",
                    label: "Square API version",
                    help: "The Square-Version header sent with every request (YYYY-MM-DD). Leave \
                           the default unless Square support asks otherwise.",
                    placeholder: "2026-08-19",
                    secret: false,
                    requirement: Requirement::Required,
                    kind: FieldKind::ApiVersionDate,
                    max_len: 10,
                    default: Some("2026-08-19"),
                },
                FieldSpec {
                    name: "poll_minutes",
                    label: "Check for payments every",
                    help: "Minutes between reads of the location's payments and refunds (1 to 1440).",
                    placeholder: "5",
                    secret: false,
                    requirement: Requirement::Optional,
                    kind: FieldKind::Number { min: 1, max: 1440 },
                    max_len: 4,
                    default: Some("5"),
                },
            ],
        },
        Provider::Quickbooks => ProviderSpec {
            provider,
            name: "QuickBooks Online",
            purpose: "Invoices and payments in the clinic's accounting",
            docs_url: "https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/faq",
            environments: vec![
                EnvironmentSpec {
                    name: "production",
                    label: "Production",
                    help: "The clinic's real company file. Use production keys.",
                    base_url: "https://quickbooks.api.intuit.com",
                },
                EnvironmentSpec {
                    name: "sandbox",
                    label: "Sandbox",
                    help: "An Intuit sandbox company. Use development keys.",
                    base_url: "https://sandbox-quickbooks.api.intuit.com",
                },
            ],
            fields: vec![
                FieldSpec {
                    name: "client_id",
                    label: "Client ID",
                    help: "Intuit Developer → your app → Keys & credentials (development keys for \
                           sandbox, production keys for production).",
                    placeholder: "AB…",
                    secret: false,
                    requirement: Requirement::Required,
                    kind: FieldKind::Token,
                    max_len: 128,
                    default: None,
                },
                FieldSpec {
                    name: "client_secret",
                    label: "Client secret",
                    help: "Shown next to the Client ID under Keys & credentials.",
                    placeholder: "",
                    secret: true,
                    requirement: Requirement::Required,
                    kind: FieldKind::Token,
                    max_len: 128,
                    default: None,
                },
                FieldSpec {
                    name: "realm_id",
                    label: "Company ID (realm)",
                    help: "Filled by “Connect to QuickBooks”, or QuickBooks → gear icon → \
                           Account and settings → Billing & subscription → Company ID. Digits only.",
                    placeholder: "9341453000000001",
                    secret: false,
                    requirement: Requirement::Optional,
                    kind: FieldKind::Digits,
                    max_len: 20,
                    default: None,
                },
                FieldSpec {
                    name: "refresh_token",
                    label: "Refresh token",
                    help: "Filled by “Connect to QuickBooks”, or enter one obtained elsewhere (e.g. \
                           Intuit's OAuth Playground). Switchboard stores each new one QuickBooks \
                           returns.",
                    placeholder: "RT1-…",
                    secret: true,
                    requirement: Requirement::Optional,
                    kind: FieldKind::Token,
                    max_len: 1024,
                    default: None,
                },
                FieldSpec {
                    name: "redirect_port",
                    label: "Redirect port",
                    help: "Connect listens on http://localhost:<port>/callback; register exactly \
                           that address with the provider (development keys / sandbox).",
                    placeholder: "47321",
                    secret: false,
                    requirement: Requirement::Optional,
                    kind: FieldKind::Digits,
                    max_len: 5,
                    default: Some("47321"),
                },
                FieldSpec {
                    name: "relay_url",
                    label: "Relay page URL (production keys)",
                    help: "Production keys only redirect to an HTTPS page: host Switchboard's relay \
                           page (docs/oauth-relay.md), register its address with the provider and \
                           enter it here.",
                    placeholder: "https://example.com/switchboard-oauth/",
                    secret: false,
                    requirement: Requirement::Optional,
                    kind: FieldKind::Token,
                    max_len: 2048,
                    default: None,
                },
                FieldSpec {
                    name: "sync_schedule",
                    label: "When to sync invoices",
                    help: "Real time sends each invoice as it arrives; daily sends them at the set time; manual only on “Sync now”.",
                    placeholder: "",
                    secret: false,
                    requirement: Requirement::Optional,
                    kind: FieldKind::Choice { options: SYNC_SCHEDULES },
                    max_len: 16,
                    default: Some("real_time"),
                },
                FieldSpec {
                    name: "daily_at",
                    label: "Daily at",
                    help: "The local time of the daily run (HH:MM), when syncing daily.",
                    placeholder: "18:00",
                    secret: false,
                    requirement: Requirement::Optional,
                    kind: FieldKind::TimeOfDay,
                    max_len: 5,
                    default: Some("18:00"),
                },
                FieldSpec {
                    name: "item_service",
                    label: "Item for services",
                    help: "The QuickBooks Item that service lines (exams, procedures) are booked to.",
                    placeholder: "",
                    secret: false,
                    requirement: Requirement::Optional,
                    kind: FieldKind::Digits,
                    max_len: 20,
                    default: None,
                },
                FieldSpec {
                    name: "item_product",
                    label: "Item for products",
                    help: "The QuickBooks Item for product lines (food, medicine).",
                    placeholder: "",
                    secret: false,
                    requirement: Requirement::Optional,
                    kind: FieldKind::Digits,
                    max_len: 20,
                    default: None,
                },
                FieldSpec {
                    name: "item_fee",
                    label: "Item for fees",
                    help: "The QuickBooks Item for fee lines.",
                    placeholder: "",
                    secret: false,
                    requirement: Requirement::Optional,
                    kind: FieldKind::Digits,
                    max_len: 20,
                    default: None,
                },
                FieldSpec {
                    name: "payment_method_card",
                    label: "Payment method for cards",
                    help: "The QuickBooks payment method recorded for card payments (Square's too).",
                    placeholder: "",
                    secret: false,
                    requirement: Requirement::Optional,
                    kind: FieldKind::Digits,
                    max_len: 20,
                    default: None,
                },
                FieldSpec {
                    name: "payment_method_cash",
                    label: "Payment method for cash",
                    help: "The QuickBooks payment method for cash.",
                    placeholder: "",
                    secret: false,
                    requirement: Requirement::Optional,
                    kind: FieldKind::Digits,
                    max_len: 20,
                    default: None,
                },
                FieldSpec {
                    name: "payment_method_check",
                    label: "Payment method for checks",
                    help: "The QuickBooks payment method for checks.",
                    placeholder: "",
                    secret: false,
                    requirement: Requirement::Optional,
                    kind: FieldKind::Digits,
                    max_len: 20,
                    default: None,
                },
                FieldSpec {
                    name: "payment_method_other",
                    label: "Payment method for other payments",
                    help: "The QuickBooks payment method for anything else.",
                    placeholder: "",
                    secret: false,
                    requirement: Requirement::Optional,
                    kind: FieldKind::Digits,
                    max_len: 20,
                    default: None,
                },
                FieldSpec {
                    name: "deposit_account",
                    label: "Deposit to",
                    help: "The account payments are deposited to; empty: QuickBooks's default (Undeposited Funds).",
                    placeholder: "",
                    secret: false,
                    requirement: Requirement::Optional,
                    kind: FieldKind::Digits,
                    max_len: 20,
                    default: None,
                },
            ],
        },
    }
}
