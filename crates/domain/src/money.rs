//! Money as exact decimals: parsed only from decimal strings (`"150.00"`) with at most two
//! fraction digits, never from a float; shown back as the canonical string; converted to and from
//! a provider's integer minor units (Square's `{"amount": 15000, "currency": "USD"}`) by the
//! currency's ISO 4217 exponent.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// At most this many digits before the point: up to 999 trillion, far from `Decimal`'s limit,
/// so a sum of a million such amounts is still exact.
pub const MAX_INTEGER_DIGITS: usize = 15;
/// At most this many digits after the point.
pub const MAX_FRACTION_DIGITS: u32 = 2;

/// An exact amount of money with at most two fraction digits. No currency: that travels beside
/// it (see [`Priced`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(Decimal);

/// Why a string is not an amount, in words a clinic's developer can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("must be an amount written as a string with at most two decimals, like \"150.00\"")]
    NotDecimal,
    #[error("has more than two decimals; amounts are in whole cents, like \"150.25\"")]
    TooManyDecimals,
    #[error("is too large: at most {MAX_INTEGER_DIGITS} digits before the decimal point")]
    TooLarge,
    #[error("{code} has no minor unit, so it cannot be used for payments")]
    NoMinorUnit { code: &'static str },
    #[error(
        "{amount} {code} cannot be written in {code}'s minor unit (it has {exponent} decimals)"
    )]
    NotRepresentable {
        amount: String,
        code: &'static str,
        exponent: u16,
    },
    #[error("is too large to convert")]
    Overflow,
}

impl Money {
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// Parses `-?digits(.d{1,2})?`: no exponent, no spaces, no `+`, no thousands separators.
    pub fn parse(s: &str) -> Result<Money, MoneyError> {
        let digits = s.strip_prefix('-').unwrap_or(s);
        let (whole, fraction) = match digits.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (digits, None),
        };
        let all_digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(whole) || fraction.is_some_and(|f| !all_digits(f)) {
            return Err(MoneyError::NotDecimal);
        }
        if fraction.is_some_and(|f| f.len() > MAX_FRACTION_DIGITS as usize) {
            return Err(MoneyError::TooManyDecimals);
        }
        if whole.len() > MAX_INTEGER_DIGITS {
            return Err(MoneyError::TooLarge);
        }
        Decimal::from_str_exact(s)
            .map(Money)
            .map_err(|_| MoneyError::NotDecimal)
    }

    /// The exact decimal (for arithmetic the rules need beyond sums).
    pub fn as_decimal(self) -> Decimal {
        self.0
    }

    pub fn is_negative(self) -> bool {
        self.0.is_sign_negative() && !self.0.is_zero()
    }

    pub fn is_positive(self) -> bool {
        self.0.is_sign_positive() && !self.0.is_zero()
    }

    /// `self + other`, or `None` past `Decimal`'s range (never with amounts this module parsed
    /// unless there are ~10^13 of them).
    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    /// The exact sum, or `None` on overflow.
    pub fn sum<'a>(amounts: impl IntoIterator<Item = &'a Money>) -> Option<Money> {
        amounts
            .into_iter()
            .try_fold(Money::ZERO, |acc, m| acc.checked_add(*m))
    }

    /// This amount in `currency`'s minor unit: `"150.00"` USD → 15000, `"1500"` JPY → 1500,
    /// `"1.25"` KWD → 1250. An amount the currency cannot express (`"10.50"` JPY) is an error,
    /// never rounded.
    pub fn to_minor_units(self, currency: Currency) -> Result<i64, MoneyError> {
        let exponent = currency.exponent()?;
        let scaled = self
            .0
            .checked_mul(Decimal::from(10_i64.pow(u32::from(exponent))))
            .ok_or(MoneyError::Overflow)?;
        if !scaled.fract().is_zero() {
            return Err(MoneyError::NotRepresentable {
                amount: self.to_string(),
                code: currency.code(),
                exponent,
            });
        }
        i64::try_from(scaled.trunc()).map_err(|_| MoneyError::Overflow)
    }

    /// An amount in `currency`'s minor unit as `Money`: 15000 USD → `"150.00"`. A currency with
    /// three decimals (KWD) gives an error when the amount has a non-zero third decimal, since
    /// `Money` keeps two.
    pub fn from_minor_units(minor: i64, currency: Currency) -> Result<Money, MoneyError> {
        let exponent = currency.exponent()?;
        let value = Decimal::try_from_i128_with_scale(i128::from(minor), u32::from(exponent))
            .map_err(|_| MoneyError::Overflow)?;
        let normal = value.normalize();
        if normal.scale() > MAX_FRACTION_DIGITS {
            return Err(MoneyError::NotRepresentable {
                amount: value.to_string(),
                code: currency.code(),
                exponent,
            });
        }
        if normal.trunc().abs() >= Decimal::from(10_i64.pow(MAX_INTEGER_DIGITS as u32)) {
            return Err(MoneyError::TooLarge);
        }
        Ok(Money(normal))
    }
}

/// The canonical form: always two decimals (`"150.00"`, `"-0.50"`).
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = self.0;
        d.rescale(MAX_FRACTION_DIGITS);
        if d.is_zero() {
            // No "-0.00".
            d.set_sign_positive(true);
        }
        write!(f, "{d}")
    }
}

impl FromStr for Money {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Money::parse(s)
    }
}

/// As the canonical string, never as a JSON number.
impl Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Only from a string: a JSON number is refused, since it may already have been a float.
impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Money::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// An ISO 4217 currency that has a minor unit (not gold, not "no currency", not a superseded
/// code), by its upper-case code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency(iso_currency::Currency);

impl Currency {
    /// `"USD"` → USD. Upper case only, as ISO 4217 writes them.
    pub fn parse(code: &str) -> Option<Currency> {
        let c = iso_currency::Currency::from_code(code)?;
        let usable = c.exponent().is_some() && c.is_superseded().is_none() && c.code() == code;
        usable.then_some(Currency(c))
    }

    pub fn code(self) -> &'static str {
        self.0.code()
    }

    /// Digits of its minor unit: 2 for USD, 0 for JPY, 3 for KWD.
    pub fn exponent(self) -> Result<u16, MoneyError> {
        self.0
            .exponent()
            .ok_or(MoneyError::NoMinorUnit { code: self.code() })
    }

    /// Every code [`Currency::parse`] accepts, sorted (for the JSON Schema's `enum`).
    pub fn all_codes() -> Vec<&'static str> {
        use iso_currency::IntoEnumIterator;
        let mut codes: Vec<&'static str> = iso_currency::Currency::iter()
            .filter(|c| Currency::parse(c.code()).is_some())
            .map(|c| c.code())
            .collect();
        codes.sort_unstable();
        codes.dedup();
        codes
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An amount with its currency, as the clinic's events carry them (`"amount": "84.50"`,
/// `"currency": "USD"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Priced {
    pub amount: Money,
    pub currency: Currency,
}

/// Square's money object: an integer in the currency's smallest unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SquareMoney {
    pub amount: i64,
    pub currency: String,
}

impl Priced {
    pub fn to_square(self) -> Result<SquareMoney, MoneyError> {
        Ok(SquareMoney {
            amount: self.amount.to_minor_units(self.currency)?,
            currency: self.currency.code().to_owned(),
        })
    }

    /// Square's `{amount, currency}` as an exact amount; an unknown currency is named.
    pub fn from_square(m: &SquareMoney) -> Result<Priced, crate::Invalid> {
        let currency = Currency::parse(&m.currency).ok_or_else(|| {
            crate::Invalid::new(
                "currency",
                format!("“{}” is not an ISO 4217 currency code.", m.currency),
            )
        })?;
        let amount = Money::from_minor_units(m.amount, currency)
            .map_err(|e| crate::Invalid::new("amount", e.to_string()))?;
        Ok(Priced { amount, currency })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn m(s: &str) -> Money {
        Money::parse(s).unwrap()
    }

    fn usd() -> Currency {
        Currency::parse("USD").unwrap()
    }

    #[test]
    fn parses_decimal_strings_only() {
        assert_eq!(m("150").to_string(), "150.00");
        assert_eq!(m("150.5").to_string(), "150.50");
        assert_eq!(m("0.07").to_string(), "0.07");
        assert_eq!(m("-12.30").to_string(), "-12.30");
        assert_eq!(m("-0").to_string(), "0.00");
        assert_eq!(m("007.10").to_string(), "7.10");
        for bad in [
            "", "-", ".5", "5.", "1e3", "+5", " 5", "5 ", "1,000.00", "NaN", "inf", "0x10", "5.-1",
            "--5", "1.2.3",
        ] {
            assert_eq!(Money::parse(bad), Err(MoneyError::NotDecimal), "{bad:?}");
        }
        assert_eq!(Money::parse("1.005"), Err(MoneyError::TooManyDecimals));
        assert_eq!(
            Money::parse("1234567890123456"),
            Err(MoneyError::TooLarge),
            "16 digits"
        );
        assert!(Money::parse("123456789012345.99").is_ok(), "15 digits");
    }

    #[test]
    fn serde_is_a_string_and_refuses_numbers() {
        assert_eq!(serde_json::to_string(&m("84.5")).unwrap(), "\"84.50\"");
        assert_eq!(
            serde_json::from_str::<Money>("\"84.50\"").unwrap(),
            m("84.50")
        );
        assert!(serde_json::from_str::<Money>("84.5").is_err());
    }

    #[test]
    fn the_classic_float_sum_is_exact() {
        // 0.1 + 0.2 != 0.3 in binary floating point.
        assert_eq!(Money::sum(&[m("0.10"), m("0.20")]).unwrap(), m("0.30"));
    }

    #[test]
    fn minor_units_follow_the_currency_exponent() {
        let jpy = Currency::parse("JPY").unwrap();
        let kwd = Currency::parse("KWD").unwrap();
        assert_eq!(m("150.00").to_minor_units(usd()).unwrap(), 15000);
        assert_eq!(m("1500").to_minor_units(jpy).unwrap(), 1500);
        assert_eq!(m("1.25").to_minor_units(kwd).unwrap(), 1250);
        assert!(matches!(
            m("10.50").to_minor_units(jpy),
            Err(MoneyError::NotRepresentable { exponent: 0, .. })
        ));
        assert_eq!(Money::from_minor_units(15000, usd()).unwrap(), m("150"));
        assert_eq!(Money::from_minor_units(-5, usd()).unwrap(), m("-0.05"));
        assert_eq!(Money::from_minor_units(1500, jpy).unwrap(), m("1500"));
        assert_eq!(Money::from_minor_units(1250, kwd).unwrap(), m("1.25"));
        assert!(Money::from_minor_units(1255, kwd).is_err(), "1.255 KWD");
        let square = Priced {
            amount: m("84.50"),
            currency: usd(),
        }
        .to_square()
        .unwrap();
        assert_eq!(
            serde_json::to_value(&square).unwrap(),
            serde_json::json!({"amount": 8450, "currency": "USD"})
        );
        let back = Priced::from_square(&square).unwrap();
        assert_eq!(back.amount.to_string(), "84.50");
        let e = Priced::from_square(&SquareMoney {
            amount: 1,
            currency: "usd".into(),
        })
        .unwrap_err();
        assert_eq!(e.field, "currency");
    }

    #[test]
    fn currencies_are_iso_4217_codes_with_a_minor_unit() {
        assert!(Currency::parse("EUR").is_some());
        for bad in ["usd", "US", "XXX", "XAU", "ABC", ""] {
            assert!(Currency::parse(bad).is_none(), "{bad}");
        }
        let all = Currency::all_codes();
        assert!(all.contains(&"USD") && all.contains(&"JPY") && !all.contains(&"XXX"));
        assert!(all.len() > 150, "{}", all.len());
    }

    /// Strings in the accepted form: up to 15 whole digits, 0–2 decimals, maybe negative.
    fn amount_string() -> impl Strategy<Value = String> {
        (
            any::<bool>(),
            0u64..1_000_000_000_000_000,
            prop_oneof![
                Just(None),
                (0u8..10).prop_map(|d| Some(d.to_string())),
                (0u8..100).prop_map(|d| Some(format!("{d:02}")))
            ],
        )
            .prop_map(|(neg, whole, frac)| {
                let sign = if neg { "-" } else { "" };
                match frac {
                    Some(f) => format!("{sign}{whole}.{f}"),
                    None => format!("{sign}{whole}"),
                }
            })
    }

    /// Cents as an integer, so expectations are computed without any decimal code.
    fn cents() -> impl Strategy<Value = i64> {
        -9_999_999_999_999_999_i64..9_999_999_999_999_999
    }

    fn from_cents(c: i64) -> String {
        let sign = if c < 0 { "-" } else { "" };
        format!(
            "{sign}{}.{:02}",
            c.unsigned_abs() / 100,
            c.unsigned_abs() % 100
        )
    }

    proptest! {
        #[test]
        fn parse_then_display_round_trips(s in amount_string()) {
            let parsed = Money::parse(&s).unwrap();
            let shown = parsed.to_string();
            prop_assert_eq!(Money::parse(&shown).unwrap(), parsed);
            prop_assert_eq!(Money::parse(&shown).unwrap().to_string(), shown.clone());
            // Always exactly two decimals.
            prop_assert_eq!(shown.rsplit_once('.').map(|(_, f)| f.len()), Some(2));
        }

        #[test]
        fn display_is_the_cents_written_out(c in cents()) {
            let s = from_cents(c);
            prop_assert_eq!(Money::parse(&s).unwrap().to_string(), if c == 0 { "0.00".to_owned() } else { s });
        }

        #[test]
        fn sums_are_exact(cs in proptest::collection::vec(cents(), 0..50)) {
            let amounts: Vec<Money> = cs.iter().map(|c| Money::parse(&from_cents(*c)).unwrap()).collect();
            let expected: i128 = cs.iter().map(|c| i128::from(*c)).sum();
            let sum = Money::sum(&amounts).unwrap();
            // Compare through minor units: integer arithmetic on both sides.
            prop_assert_eq!(i128::from(sum.to_minor_units(usd()).unwrap()), expected);
        }

        #[test]
        fn minor_units_round_trip(c in cents()) {
            let money = Money::from_minor_units(c, usd()).unwrap();
            prop_assert_eq!(money.to_string(), if c == 0 { "0.00".to_owned() } else { from_cents(c) });
            prop_assert_eq!(money.to_minor_units(usd()).unwrap(), c);
            let jpy = Currency::parse("JPY").unwrap();
            let yen = Money::from_minor_units(c, jpy);
            if c.unsigned_abs() < 1_000_000_000_000_000 {
                prop_assert_eq!(yen.unwrap().to_minor_units(jpy).unwrap(), c);
            }
        }

        #[test]
        fn any_other_string_is_refused_or_canonical(s in "\\PC{0,12}") {
            // Whatever is accepted shows back as a plain decimal of the accepted form.
            if let Ok(m) = Money::parse(&s) {
                let shown = m.to_string();
                prop_assert!(shown.trim_start_matches('-').split('.').all(|p| p.bytes().all(|b| b.is_ascii_digit())));
            }
        }
    }
}
