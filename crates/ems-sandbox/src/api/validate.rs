//! Input rules of the control-panel API, one function per kind of field. Each names the field
//! at fault. `docs/ems-api.yaml` states the same rules as JSON Schema (`minLength`, `maxLength`,
//! `pattern`, `minimum`, `maximum`) so that a schema-valid request is accepted.

use ems_api::CardBrand;

use super::error::{invalid, ApiError};

/// Whitespace as JSON Schema's (ECMA-262) `\s` sees it, so that the server and the document's
/// `\S` patterns agree on what is blank.
fn is_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
                | '\u{feff}'
    )
}

/// Text of `min..=max` characters; when `min > 0`, not only whitespace (pattern `\S`).
pub(crate) fn text(field: &str, value: &str, min: usize, max: usize) -> Result<(), ApiError> {
    let len = value.chars().count();
    if len > max {
        return Err(invalid(
            field,
            format!("{field} is too long: at most {max} characters"),
        ));
    }
    if min > 0 && (len < min || value.chars().all(is_space)) {
        return Err(invalid(field, format!("{field} must not be empty")));
    }
    Ok(())
}

/// Optional text: absent is fine, present must be 1 to `max` characters, not only whitespace.
pub(crate) fn optional_text(field: &str, value: Option<&str>, max: usize) -> Result<(), ApiError> {
    value.map_or(Ok(()), |v| text(field, v, 1, max))
}

/// An email address: `local@domain` without spaces or a second `@`, at most 254 characters
/// (pattern `^[^@\s]+@[^@\s]+$`).
pub(crate) fn email(field: &str, value: &str) -> Result<(), ApiError> {
    let ok = value.chars().count() <= 254
        && value.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !value.chars().any(is_space)
        });
    if ok {
        Ok(())
    } else {
        Err(invalid(
            field,
            format!("{field} must be an email address such as name@example.org"),
        ))
    }
}

/// An ISO 3166-1 alpha-2 code in upper case (pattern `^[A-Z]{2}$`).
pub(crate) fn country(field: &str, value: &str) -> Result<(), ApiError> {
    if value.len() == 2 && value.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(invalid(
            field,
            format!("{field} must be a two-letter ISO country code in capitals, such as GB"),
        ))
    }
}

/// The most seats a subscription may have.
pub(crate) const MAX_SEATS: u32 = 100_000;

/// A seat count, 1 to [`MAX_SEATS`].
pub(crate) fn seats(field: &str, value: u32) -> Result<(), ApiError> {
    if (1..=MAX_SEATS).contains(&value) {
        Ok(())
    } else {
        Err(invalid(
            field,
            format!("{field} must be between 1 and {MAX_SEATS}"),
        ))
    }
}

/// A Matrix localpart as EMS hands them out: 1 to 64 of `a-z 0-9 . _ = - /`.
pub(crate) fn localpart(field: &str, value: &str) -> Result<(), ApiError> {
    let allowed = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._=-/".contains(&b);
    if (1..=64).contains(&value.len()) && value.bytes().all(allowed) {
        Ok(())
    } else {
        Err(invalid(
            field,
            format!("{field} must be 1 to 64 lower-case letters, digits or . _ = - /"),
        ))
    }
}

/// A DNS name of at least two labels, lower case, at most 253 characters (pattern
/// `^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`).
pub(crate) fn domain(field: &str, value: &str) -> Result<(), ApiError> {
    let label_ok = |l: &str| {
        (1..=63).contains(&l.len())
            && l.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    let labels: Vec<&str> = value.split('.').collect();
    if value.len() <= 253 && labels.len() >= 2 && labels.iter().all(|l| label_ok(l)) {
        Ok(())
    } else {
        Err(invalid(
            field,
            format!("{field} must be a lower-case domain name such as chat.example.org"),
        ))
    }
}

/// Checks a card number (12 to 19 digits, Luhn) and returns its brand and last four digits.
pub(crate) fn card_number(field: &str, number: &str) -> Result<(CardBrand, String), ApiError> {
    let digits_ok = (12..=19).contains(&number.len()) && number.bytes().all(|b| b.is_ascii_digit());
    if !digits_ok {
        return Err(invalid(
            field,
            format!("{field} must be 12 to 19 digits, without spaces"),
        ));
    }
    if !luhn(number) {
        return Err(invalid(
            field,
            format!("{field} is not a valid card number (check digit); check for a typo"),
        ));
    }
    let prefix = |n: usize| number[..n].parse::<u32>().unwrap_or(0);
    let brand = if number.starts_with('4') {
        CardBrand::Visa
    } else if (51..=55).contains(&prefix(2)) || (2221..=2720).contains(&prefix(4)) {
        CardBrand::Mastercard
    } else if matches!(prefix(2), 34 | 37) {
        CardBrand::Amex
    } else if prefix(4) == 6011 || prefix(2) == 65 {
        CardBrand::Discover
    } else {
        CardBrand::Other
    };
    Ok((brand, number[number.len() - 4..].to_owned()))
}

/// The Luhn check digit test.
fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let d2 = d * 2;
                if d2 > 9 {
                    d2 - 9
                } else {
                    d2
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// The card's expiry: month 1 to 12, year 2000 to 2100, not before the current month.
pub(crate) fn expiry(month: u8, year: u16, now_unix: i64) -> Result<(), ApiError> {
    if !(1..=12).contains(&month) {
        return Err(invalid("expiry_month", "expiry_month must be 1 to 12"));
    }
    if !(2000..=2100).contains(&year) {
        return Err(invalid(
            "expiry_year",
            "expiry_year must be a four-digit year",
        ));
    }
    let (this_year, this_month) = year_month(now_unix);
    if (i64::from(year), i64::from(month)) < (this_year, this_month) {
        return Err(invalid(
            "expiry_year",
            "the card has expired; use another card",
        ));
    }
    Ok(())
}

/// The UTC year and month of a Unix time (Howard Hinnant's civil-from-days).
fn year_month(unix: i64) -> (i64, i64) {
    let z = unix.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(e: &ApiError) -> Option<&str> {
        match e {
            ApiError::Refused(p) => p.field.as_deref(),
            ApiError::Server(_) => None,
        }
    }

    #[test]
    fn card_numbers_are_checked_and_reduced_to_brand_and_last_four() {
        let (brand, last4) = card_number("number", "4242424242424242").expect("a valid Visa");
        assert_eq!((brand, last4.as_str()), (CardBrand::Visa, "4242"));
        assert_eq!(
            card_number("number", "5555555555554444")
                .expect("Mastercard")
                .0,
            CardBrand::Mastercard
        );
        assert_eq!(
            card_number("number", "378282246310005").expect("Amex").0,
            CardBrand::Amex
        );
        let err = card_number("number", "4242424242424241").expect_err("a wrong check digit");
        assert_eq!(
            field_of(&err),
            Some("number"),
            "the error must name the field"
        );
        assert!(
            card_number("number", "4242 4242 4242 4242").is_err(),
            "digits only"
        );
    }

    #[test]
    fn dates_and_expiry() {
        assert_eq!(year_month(0), (1970, 1));
        assert_eq!(year_month(951_782_400), (2000, 2), "2000-02-29");
        assert_eq!(year_month(1_735_689_599), (2024, 12), "2024-12-31T23:59:59");
        let now = 1_735_689_600; // 2025-01-01
        assert!(
            expiry(1, 2025, now).is_ok(),
            "a card is valid through its expiry month"
        );
        assert!(expiry(12, 2024, now).is_err(), "an expired card is refused");
        assert!(expiry(13, 2030, now).is_err());
    }

    #[test]
    fn text_email_domain_rules() {
        assert!(text("name", "   ", 1, 10).is_err(), "blank is empty");
        assert!(
            text("name", "\u{feff}", 1, 10).is_err(),
            "as ECMA-262's \\s sees it"
        );
        assert!(
            text("name", "\u{1d}", 1, 10).is_ok(),
            "not whitespace to ECMA-262"
        );
        assert!(text("name", "ééééé", 1, 5).is_ok(), "characters, not bytes");
        assert!(text("name", "ééééé", 1, 4).is_err());
        assert!(email("email", "a@b").is_ok());
        assert!(email("email", "a@b@c").is_err());
        assert!(email("email", "a b@c").is_err());
        assert!(domain("d", "chat.example.org").is_ok());
        assert!(domain("d", "localhost").is_err(), "two labels at least");
        assert!(domain("d", "-a.example.org").is_err());
        assert!(domain("d", "Chat.example.org").is_err(), "lower case");
    }
}
