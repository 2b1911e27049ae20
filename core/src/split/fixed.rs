//! `fixed:N`: every N pages make one item.

use super::{sequence_id, Item, SplitError};

/// Splits `total` pages of input `input` into items of `pages` pages.
pub fn split(pages: usize, input: usize, total: usize) -> Result<Vec<Item>, SplitError> {
    let remainder = total % pages;
    if remainder != 0 {
        return Err(SplitError::FixedRemainder { pages, total, remainder });
    }
    Ok((0..total / pages).map(|i| Item::new(sequence_id(i), input, i * pages, pages)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_rule_makes_equal_items() {
        let items = split(2, 0, 6).unwrap();
        assert_eq!(items.len(), 3);
        assert_eq!(items[2], Item::new("000003", 0, 4, 2));
    }

    #[test]
    fn fixed_rule_refuses_a_remainder() {
        let err = split(4, 0, 10).unwrap_err().to_string();
        assert!(err.contains("2 page(s)"), "{err}");
    }
}
