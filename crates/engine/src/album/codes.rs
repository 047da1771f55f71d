//! Release barcodes: UPC-A (12 digits) and EAN-13 (13 digits).
//!
//! Both use the GS1 mod-10 check digit: starting from the digit next to the
//! check digit and moving left, digits are weighted 3, 1, 3, 1, …; the check
//! digit brings the weighted sum up to a multiple of 10 (GS1 General
//! Specifications §7.9.1). A UPC-A is an EAN-13 with a leading 0, so one rule
//! serves both. Written by hand: it is six lines, not worth a dependency.

/// Validates a UPC-A or EAN-13 (spaces and hyphens allowed) and returns its
/// digits, or a message saying what is wrong.
pub fn validate_upc(code: &str) -> Result<String, String> {
    let digits: String = code
        .chars()
        .filter(|c| *c != '-' && !c.is_whitespace())
        .collect();
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!("invalid UPC/EAN {code:?}: only digits are allowed"));
    }
    if !matches!(digits.len(), 12 | 13) {
        return Err(format!(
            "invalid UPC/EAN {code:?}: {} digits (UPC-A has 12, EAN-13 has 13)",
            digits.len()
        ));
    }
    let d: Vec<u32> = digits.bytes().map(|b| u32::from(b - b'0')).collect();
    let (body, check) = d.split_at(d.len() - 1);
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, x)| if i % 2 == 0 { 3 * x } else { *x })
        .sum();
    let expected = (10 - sum % 10) % 10;
    if check[0] != expected {
        return Err(format!(
            "invalid UPC/EAN {code:?}: check digit is {} but the other digits give {expected}",
            check[0]
        ));
    }
    Ok(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_examples_pass_and_a_changed_digit_fails() {
        // GS1's UPC-A example and a published EAN-13 (ISBN-13 of a book).
        assert_eq!(validate_upc("036000291452").unwrap(), "036000291452");
        assert_eq!(validate_upc("978-0-306-40615-7").unwrap(), "9780306406157");
        assert!(
            validate_upc("036000291453")
                .unwrap_err()
                .contains("check digit")
        );
        assert!(validate_upc("12345").unwrap_err().contains("5 digits"));
        assert!(validate_upc("03600029145X").is_err());
    }
}
