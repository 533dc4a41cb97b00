//! Phone numbers typed by a person: normalised to E.164, and masked to their last four digits
//! wherever they are recorded (audit rows, logs).

use crate::Invalid;

/// `raw` without spaces, dashes, dots and parentheses, if that is E.164 (`+`, a non-zero digit,
/// 8 to 15 digits in all); else an error naming `field`.
pub fn e164(field: &str, raw: &str) -> Result<String, Invalid> {
    let number: String = raw
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
        .collect();
    let valid = number.strip_prefix('+').is_some_and(|digits| {
        (8..=15).contains(&digits.len())
            && digits.chars().all(|c| c.is_ascii_digit())
            && !digits.starts_with('0')
    });
    if valid {
        Ok(number)
    } else {
        Err(Invalid::new(
            field,
            "Enter the number in international form, starting with + and the country code (+15551234567).",
        ))
    }
}

/// `…2345`: only the last four digits.
pub fn mask(number: &str) -> String {
    let digits: Vec<char> = number.chars().filter(char::is_ascii_digit).collect();
    let tail: String = digits[digits.len().saturating_sub(4)..].iter().collect();
    format!("…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_numbers_are_normalised_or_refused_naming_the_field() {
        assert_eq!(
            e164("to", " +1 (415) 555-2345 ").as_deref(),
            Ok("+14155552345")
        );
        for bad in [
            "4155552345",
            "+0415555",
            "+1415",
            "+1415555abcd",
            "",
            "+1234567890123456",
        ] {
            assert_eq!(e164("to", bad).unwrap_err().field, "to", "{bad}");
        }
    }

    #[test]
    fn masks_keep_the_last_four_digits() {
        assert_eq!(mask("+14155552345"), "…2345");
        assert_eq!(mask("+12"), "…12");
    }
}
