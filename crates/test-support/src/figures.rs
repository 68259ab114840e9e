//! Summaries of a benchmark's repeated measurements, as the benchmarks print them: the median
//! with the smallest and largest. Figures only; nothing here judges them.

/// The median, smallest and largest of `values` (not empty).
#[must_use]
pub fn spread(values: &[f64]) -> (f64, f64, f64) {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    let median = if sorted.len().is_multiple_of(2) {
        f64::midpoint(sorted[mid - 1], sorted[mid])
    } else {
        sorted[mid]
    };
    (median, sorted[0], sorted[sorted.len() - 1])
}

/// The median of `values` (not empty).
#[must_use]
pub fn median(values: &[f64]) -> f64 {
    spread(values).0
}

/// `values` as "median [min-max]" with `decimals` decimals.
#[must_use]
pub fn show(values: &[f64], decimals: usize) -> String {
    let (median, low, high) = spread(values);
    format!("{median:.decimals$} [{low:.decimals$}-{high:.decimals$}]")
}
