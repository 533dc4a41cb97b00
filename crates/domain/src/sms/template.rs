//! Text templates with placeholders (`Hi {owner_name}, {pet_name} is booked {date} at {time}.`):
//! checked when a manager saves them (an unknown placeholder is a [`FieldIssue`] naming the
//! setting) and rendered for each appointment. `{{` and `}}` write a literal brace.

use jiff::Zoned;

use super::segments::{self, Encoding, MAX_CHARACTERS};
use crate::validate::FieldIssue;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Placeholder {
    ClinicName,
    PetName,
    OwnerName,
    Date,
    Time,
    VetName,
}

impl Placeholder {
    pub const ALL: [Placeholder; 6] = [
        Placeholder::ClinicName,
        Placeholder::PetName,
        Placeholder::OwnerName,
        Placeholder::Date,
        Placeholder::Time,
        Placeholder::VetName,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Placeholder::ClinicName => "clinic_name",
            Placeholder::PetName => "pet_name",
            Placeholder::OwnerName => "owner_name",
            Placeholder::Date => "date",
            Placeholder::Time => "time",
            Placeholder::VetName => "vet_name",
        }
    }

    pub fn parse(name: &str) -> Option<Placeholder> {
        Placeholder::ALL.into_iter().find(|p| p.as_str() == name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Slot(Placeholder),
}

/// A checked template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
}

/// What a text is filled with. `start` is the appointment's start in the clinic's time zone.
#[derive(Debug, Clone, PartialEq)]
pub struct Values<'a> {
    pub clinic_name: &'a str,
    pub pet_name: Option<&'a str>,
    pub owner_name: Option<&'a str>,
    pub vet_name: Option<&'a str>,
    pub start: &'a Zoned,
}

/// Placeholders a template uses that the appointment has no value for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the text needs {} but the appointment has none", .0.iter().map(|p| format!("{{{}}}", p.as_str())).collect::<Vec<_>>().join(", "))]
pub struct Missing(pub Vec<Placeholder>);

impl Template {
    /// Checks `text` (the setting named `field`): an unknown placeholder or a stray `{` is an
    /// error naming it; an empty template or one over 1,600 characters is an error.
    pub fn parse(field: &str, text: &str) -> Result<Template, FieldIssue> {
        if text.trim().is_empty() {
            return Err(FieldIssue::error(field, "Write the text to send."));
        }
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut unknown = Vec::new();
        let mut chars = text.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            match c {
                '{' if chars.peek().map(|(_, n)| *n) == Some('{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek().map(|(_, n)| *n) == Some('}') => {
                    chars.next();
                    literal.push('}');
                }
                '{' => {
                    let rest = &text[i + 1..];
                    let Some(close) = rest.find('}') else {
                        return Err(FieldIssue::error(
                            field,
                            "A { has no closing }. Write placeholders like {pet_name}, or {{ for a brace.",
                        ));
                    };
                    let name = &rest[..close];
                    match Placeholder::parse(name) {
                        Some(p) => {
                            if !literal.is_empty() {
                                parts.push(Part::Text(std::mem::take(&mut literal)));
                            }
                            parts.push(Part::Slot(p));
                        }
                        None => unknown.push(format!("{{{name}}}")),
                    }
                    // Skip the name and its closing brace.
                    for _ in 0..name.chars().count() + 1 {
                        chars.next();
                    }
                }
                other => literal.push(other),
            }
        }
        if !unknown.is_empty() {
            return Err(FieldIssue::error(
                field,
                format!(
                    "Unknown placeholder{} {}. Use {}.",
                    if unknown.len() > 1 { "s" } else { "" },
                    unknown.join(", "),
                    Placeholder::ALL
                        .iter()
                        .map(|p| format!("{{{}}}", p.as_str()))
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
            ));
        }
        if text.chars().count() > MAX_CHARACTERS {
            return Err(FieldIssue::error(
                field,
                format!("A text can be at most {MAX_CHARACTERS} characters."),
            ));
        }
        if !literal.is_empty() {
            parts.push(Part::Text(literal));
        }
        Ok(Template { parts })
    }

    /// Warnings worth showing beside a valid template: characters outside GSM-7 make every
    /// text cost more segments.
    pub fn warnings(field: &str, text: &str) -> Vec<FieldIssue> {
        let odd: Vec<char> = text
            .chars()
            .filter(|c| segments::gsm_septets(*c).is_none())
            .collect();
        if odd.is_empty() {
            return Vec::new();
        }
        let mut shown: Vec<char> = odd;
        shown.dedup();
        shown.truncate(5);
        vec![FieldIssue::warning(
            field,
            format!(
                "{} is not in the GSM-7 alphabet, so each text is sent as {} ({} characters per \
                 segment instead of {}).",
                shown
                    .iter()
                    .map(|c| format!("“{c}”"))
                    .collect::<Vec<_>>()
                    .join(", "),
                Encoding::Ucs2.as_str(),
                Encoding::Ucs2.single(),
                Encoding::Gsm7.single()
            ),
        )]
    }

    /// The placeholders this template uses.
    pub fn placeholders(&self) -> Vec<Placeholder> {
        let mut used = Vec::new();
        for part in &self.parts {
            if let Part::Slot(p) = part {
                if !used.contains(p) {
                    used.push(*p);
                }
            }
        }
        used
    }

    /// The text for one appointment. A placeholder whose value is absent (or blank) is an
    /// error listing them, so a job can say why no text went out rather than send "Hi ,".
    pub fn render(&self, values: &Values<'_>) -> Result<String, Missing> {
        let mut out = String::new();
        let mut missing = Vec::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Slot(p) => {
                    let value = match p {
                        Placeholder::ClinicName => Some(values.clinic_name.to_owned()),
                        Placeholder::PetName => values.pet_name.map(str::to_owned),
                        Placeholder::OwnerName => values.owner_name.map(str::to_owned),
                        Placeholder::VetName => values.vet_name.map(str::to_owned),
                        Placeholder::Date => Some(format_date(values.start)),
                        Placeholder::Time => Some(format_time(values.start)),
                    };
                    match value.filter(|v| !v.trim().is_empty()) {
                        Some(v) => out.push_str(v.trim()),
                        None if missing.contains(p) => {}
                        None => missing.push(*p),
                    }
                }
            }
        }
        if missing.is_empty() {
            Ok(out)
        } else {
            Err(Missing(missing))
        }
    }
}

/// `{date}`: "Tuesday, December 1".
pub fn format_date(at: &Zoned) -> String {
    at.strftime("%A, %B %-d").to_string()
}

/// `{time}`: "3:30 PM".
pub fn format_time(at: &Zoned) -> String {
    at.strftime("%-I:%M %p").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start() -> Zoned {
        "2026-12-01T15:30:00-05:00[America/New_York]"
            .parse()
            .unwrap()
    }

    fn values(start: &Zoned) -> Values<'_> {
        Values {
            clinic_name: "Maple Vet",
            pet_name: Some("Biscuit"),
            owner_name: Some("Jordan"),
            vet_name: None,
            start,
        }
    }

    #[test]
    fn renders_every_placeholder() {
        let t = Template::parse(
            "reminder_template",
            "Hi {owner_name}, {pet_name} sees us at {clinic_name} on {date} at {time}. {{Reply STOP}}",
        )
        .unwrap();
        let s = start();
        assert_eq!(
            t.render(&values(&s)).unwrap(),
            "Hi Jordan, Biscuit sees us at Maple Vet on Tuesday, December 1 at 3:30 PM. {Reply STOP}"
        );
        assert_eq!(
            t.placeholders(),
            [
                Placeholder::OwnerName,
                Placeholder::PetName,
                Placeholder::ClinicName,
                Placeholder::Date,
                Placeholder::Time
            ]
        );
    }

    #[test]
    fn an_unknown_placeholder_names_the_field() {
        let e = Template::parse("confirmation_template", "Hi {owner}, see {pet_name} {dr}")
            .unwrap_err();
        assert_eq!(e.field, "confirmation_template");
        assert!(e.is_error());
        assert!(e.message.contains("{owner}, {dr}"), "{}", e.message);
        let e = Template::parse("t", "Hi {pet_name").unwrap_err();
        assert!(e.message.contains("closing"), "{}", e.message);
        assert!(Template::parse("t", "  ").is_err());
        assert!(Template::parse("t", &"a".repeat(1601)).is_err());
        assert!(
            Template::parse("t", "Hi } there").is_ok(),
            "a lone }} is text"
        );
    }

    #[test]
    fn a_missing_value_is_an_error_not_a_blank() {
        let t = Template::parse("t", "{vet_name} and {vet_name} and {pet_name}").unwrap();
        let s = start();
        let e = t.render(&values(&s)).unwrap_err();
        assert_eq!(e.0, [Placeholder::VetName]);
        assert_eq!(
            e.to_string(),
            "the text needs {vet_name} but the appointment has none"
        );
        let mut v = values(&s);
        v.pet_name = Some("  ");
        v.vet_name = Some("Dr. Patel");
        assert_eq!(t.render(&v).unwrap_err().0, [Placeholder::PetName]);
    }

    #[test]
    fn non_gsm_characters_are_a_warning() {
        assert!(Template::warnings("t", "Hi {pet_name}!").is_empty());
        let w = Template::warnings("t", "See you soon 🐶 — thanks");
        assert_eq!(w.len(), 1);
        assert!(!w[0].is_error());
        assert!(w[0].message.contains("UCS-2"), "{}", w[0].message);
    }
}
