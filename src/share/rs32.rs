//! Reed–Solomon code over GF(32) protecting one row of a share's text form
//! (`docs/formats.md`, section "Row code").
//!
//! Field: GF(2^5) with primitive polynomial x^5 + x^2 + 1; α = 2. A row codeword has
//! [`CODE_LEN`] = 13 symbols, highest power first: the row number (known to both sides, never
//! printed), 9 data symbols, 3 parity symbols. Generator g(x) = (x − α^0)(x − α^1)(x − α^2), so
//! the minimum distance is 4: one wrong symbol is always corrected, two are always detected.

/// Data symbols per row.
pub const DATA_LEN: usize = 9;
/// Parity symbols per row.
pub const PARITY_LEN: usize = 3;
/// Symbols in a codeword including the virtual row-number symbol.
pub const CODE_LEN: usize = 1 + DATA_LEN + PARITY_LEN;

const POLY: u8 = 0b10_0101; // x^5 + x^2 + 1

const fn tables() -> ([u8; 62], [u8; 32]) {
    let mut exp = [0u8; 62];
    let mut log = [0u8; 32];
    let mut x: u8 = 1;
    let mut i = 0;
    while i < 31 {
        exp[i] = x;
        exp[i + 31] = x;
        log[x as usize] = i as u8;
        x <<= 1;
        if x & 0x20 != 0 {
            x ^= POLY;
        }
        i += 1;
    }
    (exp, log)
}

const TABLES: ([u8; 62], [u8; 32]) = tables();
const EXP: [u8; 62] = TABLES.0;
const LOG: [u8; 32] = TABLES.1;

fn mul(a: u8, b: u8) -> u8 {
    if a == 0 || b == 0 {
        0
    } else {
        EXP[LOG[a as usize] as usize + LOG[b as usize] as usize]
    }
}

/// Generator polynomial coefficients, highest power first (monic, degree 3).
const fn generator() -> [u8; PARITY_LEN + 1] {
    // Multiply (x - α^0)(x - α^1)(x - α^2); in characteristic 2, minus is plus.
    let mut g = [0u8; PARITY_LEN + 1];
    g[0] = 1;
    let mut deg = 0;
    let mut j = 0;
    while j < PARITY_LEN {
        let root = EXP[j];
        // new[i] = g[i] + root * g[i-1]  (coefficients highest first)
        let mut i = deg + 1;
        while i > 0 {
            let prod = if g[i - 1] == 0 {
                0
            } else {
                EXP[LOG[g[i - 1] as usize] as usize + LOG[root as usize] as usize]
            };
            g[i] ^= prod;
            i -= 1;
        }
        deg += 1;
        j += 1;
    }
    g
}

const GEN: [u8; PARITY_LEN + 1] = generator();

/// Computes the 3 parity symbols for `row` (1..=31) and its 9 data symbols.
///
/// ```
/// use rootkey::share::rs32::{check_and_correct, parity, RowCheck};
/// let data = [1, 2, 3, 4, 5, 6, 7, 8, 9];
/// let mut row = [0u8; 12];
/// row[..9].copy_from_slice(&data);
/// row[9..].copy_from_slice(&parity(4, &data));
/// row[2] ^= 7; // one wrong character
/// assert_eq!(check_and_correct(4, &mut row), RowCheck::Corrected { column: 2 });
/// assert_eq!(row[2], 3);
/// ```
pub fn parity(row: u8, data: &[u8; DATA_LEN]) -> [u8; PARITY_LEN] {
    // Remainder of m(x)·x^3 mod g(x), by long division (g is monic).
    let mut rem = [0u8; PARITY_LEN];
    let msg = std::iter::once(row).chain(data.iter().copied());
    for sym in msg {
        let factor = sym ^ rem[0];
        rem.copy_within(1.., 0);
        rem[PARITY_LEN - 1] = 0;
        for (i, r) in rem.iter_mut().enumerate() {
            *r ^= mul(GEN[i + 1], factor);
        }
    }
    rem
}

/// A stack buffer that is zeroized when it goes out of scope (rows are secret).
struct Wiped([u8; CODE_LEN]);

impl Drop for Wiped {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

/// The result of checking one row.
#[derive(Debug, PartialEq, Eq)]
pub enum RowCheck {
    /// The row is a codeword.
    Valid,
    /// One symbol was wrong and has been corrected; `column` is 0-based within the 12 printed
    /// symbols.
    Corrected {
        /// 0-based position among the printed symbols.
        column: usize,
    },
    /// The printed symbols form a valid row, but for another row number: the row was typed
    /// in the wrong place.
    OtherRow {
        /// The row number the symbols belong to.
        row: u8,
    },
    /// Two or more symbols are wrong.
    Uncorrectable,
}

/// Checks (and if possible corrects in place) a printed row of 12 symbols for row number `row`.
pub fn check_and_correct(row: u8, printed: &mut [u8; DATA_LEN + PARITY_LEN]) -> RowCheck {
    // Every value must be a symbol of GF(32) (found by fuzzing: a larger one indexed the
    // tables out of range).
    if row >= 32 || printed.iter().any(|&s| s >= 32) {
        return RowCheck::Uncorrectable;
    }
    let mut code = Wiped([0u8; CODE_LEN]);
    let code = &mut code.0;
    code[0] = row;
    code[1..].copy_from_slice(printed);
    // Syndromes S_j = c(α^j), j = 0, 1, 2 (Horner, highest power first).
    let mut syn = [0u8; PARITY_LEN];
    for (j, s) in syn.iter_mut().enumerate() {
        let a = EXP[j];
        *s = code.iter().fold(0u8, |acc, &c| mul(acc, a) ^ c);
    }
    if syn == [0; PARITY_LEN] {
        return RowCheck::Valid;
    }
    // One error of value e at power p: S0 = e, S1 = e·α^p, S2 = e·α^2p.
    let [s0, s1, s2] = syn;
    if s0 == 0 || s1 == 0 || s2 == 0 {
        return RowCheck::Uncorrectable;
    }
    let lx = (LOG[s1 as usize] as usize + 31 - LOG[s0 as usize] as usize) % 31;
    let lx2 = (LOG[s2 as usize] as usize + 31 - LOG[s1 as usize] as usize) % 31;
    if lx != lx2 || lx >= CODE_LEN {
        return RowCheck::Uncorrectable;
    }
    let index = CODE_LEN - 1 - lx; // position in `code`, highest power first
    if index == 0 {
        let other = row ^ s0;
        return RowCheck::OtherRow { row: other };
    }
    printed[index - 1] ^= s0;
    RowCheck::Corrected { column: index - 1 }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by fuzzing (fuzz/fuzz_targets/share_text.rs): values of 32 or more panicked.
    #[test]
    fn values_outside_gf32_are_uncorrectable_without_a_panic() {
        let mut row = [0u8; DATA_LEN + PARITY_LEN];
        assert_eq!(check_and_correct(36, &mut row), RowCheck::Uncorrectable);
        row[5] = 32;
        assert_eq!(check_and_correct(4, &mut row), RowCheck::Uncorrectable);
    }

    fn row_for(row: u8, data: [u8; DATA_LEN]) -> [u8; 12] {
        let p = parity(row, &data);
        let mut r = [0u8; 12];
        r[..DATA_LEN].copy_from_slice(&data);
        r[DATA_LEN..].copy_from_slice(&p);
        r
    }

    #[test]
    fn field_tables_are_a_permutation() {
        let mut seen = [false; 32];
        for &e in &EXP[..31] {
            assert!(!seen[e as usize]);
            seen[e as usize] = true;
        }
        assert!(!seen[0]);
        assert_eq!(GEN[0], 1);
    }

    #[test]
    fn every_single_error_is_corrected() {
        let data = [1, 2, 3, 4, 5, 6, 7, 8, 31];
        let good = row_for(4, data);
        assert_eq!(check_and_correct(4, &mut good.clone()), RowCheck::Valid);
        for col in 0..12 {
            for v in 1..32u8 {
                let mut bad = good;
                bad[col] ^= v;
                assert_eq!(
                    check_and_correct(4, &mut bad),
                    RowCheck::Corrected { column: col }
                );
                assert_eq!(bad, good);
            }
        }
    }

    #[test]
    fn every_double_error_is_detected() {
        let good = row_for(13, [0, 9, 0, 9, 0, 9, 0, 9, 0]);
        for c1 in 0..12 {
            for c2 in c1 + 1..12 {
                for v in [1u8, 7, 30] {
                    let mut bad = good;
                    bad[c1] ^= v;
                    bad[c2] ^= 31 - v;
                    assert_eq!(check_and_correct(13, &mut bad), RowCheck::Uncorrectable);
                }
            }
        }
    }

    #[test]
    fn row_in_wrong_place_is_named() {
        let r5 = row_for(5, [3; DATA_LEN]);
        assert_eq!(
            check_and_correct(4, &mut r5.clone()),
            RowCheck::OtherRow { row: 5 }
        );
    }
}
