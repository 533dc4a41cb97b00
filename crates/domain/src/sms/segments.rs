//! How many SMS segments a text takes, as carriers (and Twilio) count them: GSM-7 when every
//! character is in the GSM 03.38 basic or extension table (extension characters take two
//! septets), otherwise UCS-2 for the whole message, counted in UTF-16 code units. One segment
//! holds 160 septets / 70 units; a longer text is split into parts of 153 / 67 (the rest is the
//! concatenation header), never splitting an escape pair or a surrogate pair.

use serde::Serialize;

/// Twilio refuses longer bodies.
pub const MAX_CHARACTERS: usize = 1600;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
pub enum Encoding {
    #[serde(rename = "GSM-7")]
    Gsm7,
    #[serde(rename = "UCS-2")]
    Ucs2,
}

impl Encoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Gsm7 => "GSM-7",
            Encoding::Ucs2 => "UCS-2",
        }
    }

    /// Units in a message that fits one segment.
    pub fn single(self) -> usize {
        match self {
            Encoding::Gsm7 => 160,
            Encoding::Ucs2 => 70,
        }
    }

    /// Units per part of a multi-part message.
    pub fn per_part(self) -> usize {
        match self {
            Encoding::Gsm7 => 153,
            Encoding::Ucs2 => 67,
        }
    }
}

/// A text's size as an SMS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SegmentCount {
    pub encoding: Encoding,
    /// Characters as a person counts them (what the 1,600 limit counts).
    pub characters: u32,
    /// Septets (GSM-7) or UTF-16 code units (UCS-2): what the segments hold.
    pub units: u32,
    pub segments: u32,
    /// No more than [`MAX_CHARACTERS`].
    pub within_limit: bool,
}

/// GSM 03.38's basic table (one septet each; ESC excluded).
const BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// The extension table: ESC + one septet each.
const EXTENSION: &str = "\u{000C}^{}\\[~]|€";

/// Septets for one character in GSM-7, or `None` when GSM-7 cannot write it.
pub fn gsm_septets(c: char) -> Option<usize> {
    if BASIC.contains(c) {
        Some(1)
    } else if EXTENSION.contains(c) {
        Some(2)
    } else {
        None
    }
}

pub fn count(text: &str) -> SegmentCount {
    let gsm: Option<Vec<usize>> = text.chars().map(gsm_septets).collect();
    let (encoding, widths) = match gsm {
        Some(widths) => (Encoding::Gsm7, widths),
        None => (
            Encoding::Ucs2,
            text.chars().map(char::len_utf16).collect::<Vec<_>>(),
        ),
    };
    let units: usize = widths.iter().sum();
    let segments = if units == 0 {
        0
    } else if units <= encoding.single() {
        1
    } else {
        // Fill parts greedily; a character that does not fit whole starts the next part.
        let mut parts = 1;
        let mut used = 0;
        for w in widths {
            if used + w > encoding.per_part() {
                parts += 1;
                used = 0;
            }
            used += w;
        }
        parts
    };
    let characters = text.chars().count();
    SegmentCount {
        encoding,
        characters: u32::try_from(characters).unwrap_or(u32::MAX),
        units: u32::try_from(units).unwrap_or(u32::MAX),
        segments: u32::try_from(segments).unwrap_or(u32::MAX),
        within_limit: characters <= MAX_CHARACTERS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(text: &str) -> (Encoding, u32, u32) {
        let c = count(text);
        (c.encoding, c.units, c.segments)
    }

    #[test]
    fn tables_have_the_standard_sizes() {
        assert_eq!(BASIC.chars().count(), 127, "128 codes less ESC");
        assert_eq!(EXTENSION.chars().count(), 10, "form feed and ^{{}}\\[~]|€");
    }

    #[test]
    fn gsm_single_and_multi_part_boundaries() {
        assert_eq!(seg(""), (Encoding::Gsm7, 0, 0));
        assert_eq!(seg(&"a".repeat(160)), (Encoding::Gsm7, 160, 1));
        assert_eq!(seg(&"a".repeat(161)), (Encoding::Gsm7, 161, 2));
        assert_eq!(seg(&"a".repeat(306)), (Encoding::Gsm7, 306, 2));
        assert_eq!(seg(&"a".repeat(307)), (Encoding::Gsm7, 307, 3));
    }

    #[test]
    fn extension_characters_count_two_and_are_not_split() {
        assert_eq!(seg("€"), (Encoding::Gsm7, 2, 1));
        assert_eq!(seg(&"{".repeat(80)), (Encoding::Gsm7, 160, 1));
        assert_eq!(seg(&"{".repeat(81)), (Encoding::Gsm7, 162, 2));
        // 152 septets then a 2-septet character: it moves whole to the second part.
        let text = format!("{}€{}", "a".repeat(152), "a".repeat(152));
        assert_eq!(seg(&text), (Encoding::Gsm7, 306, 3));
    }

    #[test]
    fn one_non_gsm_character_makes_the_whole_text_ucs2() {
        let mut text = "a".repeat(100);
        assert_eq!(seg(&text).2, 1);
        text.push('’'); // a smart quote
        assert_eq!(seg(&text), (Encoding::Ucs2, 101, 2));
        assert_eq!(
            seg(&"é".repeat(70)).0,
            Encoding::Gsm7,
            "é is in the GSM table"
        );
        assert_eq!(
            seg(&"ç".repeat(70)),
            (Encoding::Ucs2, 70, 1),
            "ç is not (only Ç)"
        );
        assert_eq!(seg(&"ç".repeat(71)), (Encoding::Ucs2, 71, 2));
        assert_eq!(seg(&"ç".repeat(134)), (Encoding::Ucs2, 134, 2));
        assert_eq!(seg(&"ç".repeat(135)), (Encoding::Ucs2, 135, 3));
    }

    #[test]
    fn emoji_are_two_utf16_units_and_stay_whole() {
        let c = count("🐶");
        assert_eq!((c.encoding, c.characters, c.units), (Encoding::Ucs2, 1, 2));
        assert_eq!(seg(&"🐶".repeat(35)), (Encoding::Ucs2, 70, 1));
        // 66 units, then an emoji that would straddle the 67-unit boundary.
        let text = format!("{}🐶{}", "ç".repeat(66), "ç".repeat(10));
        assert_eq!(seg(&text), (Encoding::Ucs2, 78, 2));
        // 66 | 🐶 + 65 | 1: three parts, where splitting the emoji would make two.
        let text = format!("{}🐶{}", "ç".repeat(66), "ç".repeat(66));
        assert_eq!(seg(&text), (Encoding::Ucs2, 134, 3));
    }

    #[test]
    fn the_limit_counts_characters() {
        assert!(count(&"a".repeat(1600)).within_limit);
        let over = count(&"a".repeat(1601));
        assert!(!over.within_limit);
        assert_eq!(over.segments, 11);
    }
}
