//! Counts written as floats: `samples = 2e6` is how people write two million.
//!
//! TOML has no integer exponent notation, so a count in scientific notation is a float.
//! Before any value is deserialized, every float that is exactly a non-negative whole
//! number below 2⁶³ becomes that integer, so that count keys (`samples`, `seeds`,
//! `population`, `generations`, `steps`, ...) accept it; float keys accept integers
//! anyway (serde widens them), so nothing else changes, and the resolved file prints
//! counts as integers because their types are. A count that is still not a whole number
//! in range (`2.5e6`, `-1`, `1e30`) is refused by its type, and [`count_message`] says so
//! in words, naming the key as every error does.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// 2⁶³: every float at or above it is out of an `i64`'s range (and all floats from 2⁵³ up
/// are whole numbers, so those below it convert exactly).
const LIMIT: f64 = 9_223_372_036_854_775_808.0;

/// The float's value if it is a whole number in `0..2⁶³`.
fn whole(value: &DeValue<'_>) -> Option<i64> {
    let DeValue::Float(float) = value else {
        return None;
    };
    let x = float.as_str().parse::<f64>().ok()?;
    (x.is_sign_positive() && x.fract() == 0.0 && x < LIMIT).then_some(x as i64)
}

/// The integers that [`integral_floats`] will write, in the order it visits them: it
/// borrows them, since the document's values borrow their text.
pub(in crate::experiment) fn whole_numbers(table: &DeTable<'_>) -> Vec<String> {
    fn visit(value: &DeValue<'_>, out: &mut Vec<String>) {
        match value {
            DeValue::Table(table) => table.iter().for_each(|(_, v)| visit(v.get_ref(), out)),
            DeValue::Array(items) => items.iter().for_each(|v| visit(v.get_ref(), out)),
            other => out.extend(whole(other).map(|n| n.to_string())),
        }
    }
    let mut out = Vec::new();
    table.iter().for_each(|(_, v)| visit(v.get_ref(), &mut out));
    out
}

/// Replace, throughout `table`, every float that is a whole number in `0..2⁶³` by the
/// integer it equals (from `integers`, as [`whole_numbers`] listed them), keeping its
/// position.
pub(in crate::experiment) fn integral_floats<'i>(table: &mut DeTable<'i>, integers: &'i [String]) {
    fn convert<'i>(
        value: &mut Spanned<DeValue<'i>>,
        integers: &mut impl Iterator<Item = &'i String>,
    ) {
        match value.get_mut() {
            DeValue::Table(table) => table.iter_mut().for_each(|(_, v)| convert(v, integers)),
            DeValue::Array(items) => items.iter_mut().for_each(|v| convert(v, integers)),
            other => {
                if whole(other).is_some()
                    && let Some(Ok(integer)) = integers.next().map(|t| DeValue::parse(t))
                {
                    *other = integer.into_inner();
                }
            }
        }
    }
    let mut integers = integers.iter();
    table
        .iter_mut()
        .for_each(|(_, v)| convert(v, &mut integers));
}

/// A clearer message for a count that is not a whole number in range: serde's "invalid
/// type: floating point `2500000.0`, expected u64" becomes "must be a whole number from 0
/// to ...". `None` for every other message.
pub(in crate::experiment) fn count_message(message: &str) -> Option<String> {
    let (found, expected) = message.split_once(", expected ")?;
    let max: u128 = match expected.trim() {
        "u8" => u8::MAX.into(),
        "u16" => u16::MAX.into(),
        "u32" => u32::MAX.into(),
        "u64" => u64::MAX.into(),
        "usize" => usize::MAX as u128,
        _ => return None,
    };
    let value = found.split('`').nth(1)?;
    let float = found.starts_with("invalid type: floating point");
    let integer = found.starts_with("invalid value: integer");
    if !(float || integer) {
        return None;
    }
    Some(format!(
        "must be a whole number from 0 to {max} (a count; `2000000`, `2_000_000` and `2e6` \
         all work), not `{value}`"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn converted(text: &str) -> String {
        let parsed = DeTable::parse(text).unwrap();
        let integers = whole_numbers(parsed.get_ref());
        let mut document = parsed;
        integral_floats(document.get_mut(), &integers);
        let value = document.get_ref().iter().next().unwrap().1.get_ref();
        match value {
            DeValue::Integer(i) => format!("integer {}", i.as_str()),
            DeValue::Float(f) => format!("float {}", f.as_str()),
            DeValue::Array(items) => format!("array of {}", items.len()),
            _ => "other".into(),
        }
    }

    #[test]
    fn whole_non_negative_floats_become_integers_and_others_stay_floats() {
        assert_eq!(converted("n = 2e6"), "integer 2000000");
        assert_eq!(converted("n = 32.0"), "integer 32");
        assert_eq!(converted("n = 0.0"), "integer 0");
        // 2.5e6 is the whole number 2,500,000; 2.5 is not.
        assert_eq!(converted("n = 2.5e6"), "integer 2500000");
        assert_eq!(converted("n = 2.5"), "float 2.5");
        assert_eq!(converted("n = -1.0"), "float -1.0");
        assert_eq!(converted("n = -0.0"), "float -0.0");
        assert_eq!(converted("n = 1e30"), "float 1e30");
        assert_eq!(converted("n = nan"), "float nan");
        assert_eq!(converted("n = inf"), "float inf");
        assert_eq!(converted("n = 0.001"), "float 0.001");
    }

    /// The value of `key` in `table`.
    fn get<'a, 'i>(table: &'a DeTable<'i>, key: &str) -> &'a DeValue<'i> {
        table
            .iter()
            .find(|(k, _)| k.get_ref() == key)
            .map(|(_, v)| v.get_ref())
            .unwrap()
    }

    #[test]
    fn nested_tables_and_arrays_are_converted() {
        let parsed = DeTable::parse("[a]\nb = [1e1, 2.5]\n[[c]]\nd = 3e0\n").unwrap();
        let integers = whole_numbers(parsed.get_ref());
        let mut document = parsed;
        integral_floats(document.get_mut(), &integers);
        let a = get(document.get_ref(), "a").as_table().unwrap();
        let items = get(a, "b").as_array().unwrap();
        assert!(items[0].get_ref().is_integer());
        assert!(items[1].get_ref().is_float());
        let c = get(document.get_ref(), "c").as_array().unwrap();
        let d = c[0].get_ref().as_table().unwrap();
        assert!(get(d, "d").is_integer());
    }

    #[test]
    fn count_errors_are_said_in_words() {
        let m = count_message("invalid type: floating point `2500000.0`, expected u64").unwrap();
        assert!(
            m.contains("whole number from 0 to 18446744073709551615"),
            "{m}"
        );
        assert!(m.contains("`2500000.0`"), "{m}");
        let m = count_message("invalid value: integer `-1`, expected usize").unwrap();
        assert!(m.contains("not `-1`"), "{m}");
        assert_eq!(
            count_message("invalid type: string \"a\", expected f32"),
            None
        );
        assert_eq!(count_message("unknown field `x`"), None);
    }
}
