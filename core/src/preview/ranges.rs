//! Page and sheet selections written as ranges: `1-10,15,20-`.

/// Parses `text` into numbers from 1 to `last`, in order, without repeats. `N-` runs to `last`.
pub fn parse(text: &str, last: usize) -> Result<Vec<usize>, String> {
    let usage = || format!("'{text}': give numbers and ranges like 1-10,15,20- (from 1 to {last})");
    let mut chosen = vec![false; last + 1];
    for part in text.split(',').map(str::trim) {
        let (from, to) = match part.split_once('-') {
            Some((from, "")) => (from.trim().parse().map_err(|_| usage())?, last),
            Some((from, to)) => {
                (from.trim().parse().map_err(|_| usage())?, to.trim().parse().map_err(|_| usage())?)
            }
            None => {
                let n = part.parse().map_err(|_| usage())?;
                (n, n)
            }
        };
        if from == 0 || from > to || to > last {
            return Err(usage());
        }
        chosen[from..=to].iter_mut().for_each(|c| *c = true);
    }
    Ok((1..=last).filter(|&n| chosen[n]).collect())
}

/// Writes sorted numbers back as ranges, e.g. `[1, 2, 3, 7]` as `1-3,7`.
pub fn format(numbers: &[usize]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < numbers.len() {
        let mut j = i;
        while j + 1 < numbers.len() && numbers[j + 1] == numbers[j] + 1 {
            j += 1;
        }
        parts.push(if i == j { numbers[i].to_string() } else { format!("{}-{}", numbers[i], numbers[j]) });
        i = j + 1;
    }
    parts.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_round_trip() {
        assert_eq!(parse("3,1-2,9-", 10).unwrap(), [1, 2, 3, 9, 10]);
        assert_eq!(format(&[1, 2, 3, 9, 10, 12]), "1-3,9-10,12");
        assert_eq!(parse(&format(&[2, 4, 5]), 5).unwrap(), [2, 4, 5]);
        for bad in ["0", "5-3", "11", "x", "1-2-3", ""] {
            assert!(parse(bad, 10).is_err(), "{bad}");
        }
    }
}
