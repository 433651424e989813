//! Shamir k-of-n split and combine of the 32-byte root seed over GF(256), using `blahaj`.
//!
//! Low-level, checked operations only: [`split`] refuses to return shares unless every
//! k-subset rebuilds the seed; [`combine`] refuses duplicate or missing x coordinates (blahaj
//! silently returns a wrong secret for duplicates). Callers must still check a rebuilt seed
//! against the root certificate, because a corrupted share value also rebuilds a wrong seed.
//!
//! Memory: blahaj's `Share` and coefficient vectors zeroize on drop but live on the ordinary
//! heap; every value we keep is moved into [`SecretBytes`] at once and the plain vectors blahaj
//! returns are zeroized immediately.

use blahaj::{Share, Sharks};
use zeroize::Zeroize;

use crate::error::{Error, Kind, Result};
use crate::secret::SecretBytes;
use crate::share::check_k_n;

/// Length of the secret being shared.
pub const SECRET_LEN: usize = 32;

/// One share point: x (1..=255) and 32 y bytes in locked memory.
pub struct SharePoint {
    /// x coordinate (the share index).
    pub x: u8,
    /// y values, one per secret byte.
    pub y: SecretBytes,
}

impl std::fmt::Debug for SharePoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SharePoint {{ x: {}, y: [REDACTED] }}", self.x)
    }
}

/// Splits `secret` into `n` shares with threshold `k` (x = 1..=n), then checks that every one
/// of the C(n, k) k-subsets rebuilds the secret. Returns the shares and the number of subsets
/// checked.
pub fn split<R: rand_core::CryptoRng>(
    secret: &SecretBytes,
    k: u8,
    n: u8,
    rng: &mut R,
) -> Result<(Vec<SharePoint>, usize)> {
    check_k_n(k, n)?;
    if secret.len() != SECRET_LEN {
        return Err(Error::input("the secret to split must be 32 bytes"));
    }
    let sharks = Sharks(k);
    let mut points = Vec::with_capacity(n as usize);
    for share in sharks.dealer_rng(secret.as_slice(), rng).take(n as usize) {
        let mut raw = Vec::from(&share);
        let x = raw[0];
        let y = SecretBytes::copy_from(&raw[1..]);
        raw.zeroize();
        points.push(SharePoint { x, y: y? });
    }
    let checked = verify_all_subsets(secret, &points, k)?;
    Ok((points, checked))
}

/// Checks that every k-subset of `points` rebuilds `secret`; returns the number of subsets.
pub fn verify_all_subsets(secret: &SecretBytes, points: &[SharePoint], k: u8) -> Result<usize> {
    let mut count = 0usize;
    let mut failed = None;
    let mut combiner = Combiner::new()?;
    for_each_subset(points.len(), k as usize, |idx| {
        if failed.is_some() {
            return;
        }
        let subset: Vec<&SharePoint> = idx.iter().map(|&i| &points[i]).collect();
        match combiner.combine(&subset, k) {
            Ok(s) if s.ct_eq(secret.as_slice()) => count += 1,
            _ => failed = Some(idx.iter().map(|&i| points[i].x).collect::<Vec<_>>()),
        }
    });
    if let Some(xs) = failed {
        return Err(Error::new(Kind::SelfCheck, format!(
            "self-check failed: shares {xs:?} do not rebuild the secret; nothing was written"
        ))
        .hint("this points to faulty hardware or software: stop, and rerun the ceremony on another machine"));
    }
    Ok(count)
}

/// Calls `f` with every k-subset of 0..n (as sorted indices), in lexicographic order.
pub fn for_each_subset(n: usize, k: usize, mut f: impl FnMut(&[usize])) {
    if k == 0 || k > n {
        return;
    }
    let mut idx: Vec<usize> = (0..k).collect();
    loop {
        f(&idx);
        // Advance to the next combination.
        let mut i = k;
        while i > 0 && idx[i - 1] == n - k + (i - 1) {
            i -= 1;
        }
        if i == 0 {
            return;
        }
        idx[i - 1] += 1;
        for j in i..k {
            idx[j] = idx[j - 1] + 1;
        }
    }
}

/// Rebuilds the secret from at least `k` points with distinct x (uses all points given).
pub fn combine(points: &[&SharePoint], k: u8) -> Result<SecretBytes> {
    let mut share = SecretBytes::zeroed(1 + SECRET_LEN)?;
    let mut secret = SecretBytes::zeroed(SECRET_LEN)?;
    recover_into(points, k, &mut share, &mut secret)?;
    Ok(secret)
}

/// Locked working memory for rebuilding the secret from many subsets in turn (the quorum
/// search of a combine, the self-check of a split): allocated and locked once, overwritten by
/// each [`Combiner::combine`], wiped when dropped. One `mlock` per search instead of two per
/// subset.
pub struct Combiner {
    share: SecretBytes,
    secret: SecretBytes,
}

impl std::fmt::Debug for Combiner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Combiner([REDACTED])")
    }
}

impl Combiner {
    /// Allocates (and locks) the working memory.
    pub fn new() -> Result<Combiner> {
        Ok(Combiner {
            share: SecretBytes::zeroed(1 + SECRET_LEN)?,
            secret: SecretBytes::zeroed(SECRET_LEN)?,
        })
    }

    /// [`combine`] into this combiner's memory: the secret rebuilt from `points`, valid until
    /// the next call. On an error the previous secret is already wiped.
    pub fn combine(&mut self, points: &[&SharePoint], k: u8) -> Result<&SecretBytes> {
        self.secret.as_mut_slice().zeroize();
        recover_into(points, k, &mut self.share, &mut self.secret)?;
        Ok(&self.secret)
    }
}

/// Checks `points` and rebuilds their secret into `out` (32 bytes), using `buf` (33 bytes) for
/// each share's bytes on their way into blahaj.
fn recover_into(
    points: &[&SharePoint],
    k: u8,
    buf: &mut SecretBytes,
    out: &mut SecretBytes,
) -> Result<()> {
    if points.len() < k as usize {
        return Err(Error::new(
            Kind::TooFewShares,
            format!("{} shares given, {k} needed", points.len()),
        ));
    }
    for (i, p) in points.iter().enumerate() {
        if p.x == 0 {
            return Err(Error::new(
                Kind::ShareFormat,
                "share x coordinate 0 is invalid",
            ));
        }
        if p.y.len() != SECRET_LEN {
            return Err(Error::new(
                Kind::ShareFormat,
                format!("share {} has a wrong length", p.x),
            ));
        }
        if points[..i].iter().any(|q| q.x == p.x) {
            return Err(Error::new(
                Kind::DuplicateShare,
                format!("share {} is given twice", p.x),
            ));
        }
    }
    let mut shares = Vec::with_capacity(points.len());
    for p in points {
        buf.as_mut_slice()[0] = p.x;
        buf.as_mut_slice()[1..].copy_from_slice(p.y.as_slice());
        let s = Share::try_from(buf.as_slice())
            .map_err(|e| Error::new(Kind::ShareFormat, format!("share {}: {e}", p.x)))?;
        shares.push(s);
    }
    buf.as_mut_slice().zeroize();
    let mut raw = Sharks(k)
        .recover(shares.iter())
        .map_err(|e| Error::operator(e.to_string()))?;
    drop(shares);
    if raw.len() != out.len() {
        raw.zeroize();
        return Err(Error::new(
            Kind::Internal,
            "internal error: the rebuilt secret has a wrong length",
        ));
    }
    out.as_mut_slice().copy_from_slice(&raw);
    raw.zeroize();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand_core::SeedableRng;

    fn rng(seed: u64) -> rand::rngs::StdRng {
        rand::rngs::StdRng::seed_from_u64(seed)
    }

    fn binom(n: usize, k: usize) -> usize {
        (0..k).fold(1, |acc, i| acc * (n - i) / (i + 1))
    }

    #[test]
    fn subsets_enumerated_once_each() {
        for n in 1..=10 {
            for k in 1..=n {
                let mut seen = std::collections::HashSet::new();
                for_each_subset(n, k, |s| {
                    assert!(s.windows(2).all(|w| w[0] < w[1]));
                    assert!(seen.insert(s.to_vec()));
                });
                assert_eq!(seen.len(), binom(n, k));
            }
        }
    }

    #[test]
    fn split_checks_all_subsets() {
        let secret = SecretBytes::copy_from(&[0x5a; 32]).unwrap();
        let (pts, checked) = split(&secret, 3, 5, &mut rng(1)).unwrap();
        assert_eq!(checked, 10);
        assert_eq!(
            pts.iter().map(|p| p.x).collect::<Vec<_>>(),
            vec![1, 2, 3, 4, 5]
        );
    }

    #[test]
    fn corrupted_share_fails_the_subset_check() {
        let secret = SecretBytes::copy_from(&[0x33; 32]).unwrap();
        let (mut pts, _) = split(&secret, 3, 5, &mut rng(9)).unwrap();
        pts[3].y.as_mut_slice()[0] ^= 1;
        let err = verify_all_subsets(&secret, &pts, 3).unwrap_err();
        // The first subset in lexicographic order that contains share 4 is {1, 2, 4}.
        assert_eq!(err.kind, Kind::SelfCheck);
        assert!(err.message.contains("shares [1, 2, 4]"), "{}", err.message);
        assert!(err.message.contains("nothing was written"));
    }

    #[test]
    fn too_few_and_duplicates_refused() {
        let secret = SecretBytes::copy_from(&[1; 32]).unwrap();
        let (pts, _) = split(&secret, 3, 5, &mut rng(2)).unwrap();
        let err = combine(&[&pts[0], &pts[1]], 3).unwrap_err();
        assert_eq!(err.kind, Kind::TooFewShares);
        let err = combine(&[&pts[0], &pts[1], &pts[1]], 3).unwrap_err();
        assert_eq!(err.kind, Kind::DuplicateShare);
        assert!(
            err.message.contains("share 2 is given twice"),
            "{}",
            err.message
        );
    }

    #[test]
    fn combiner_reused_across_subsets_agrees_with_combine() {
        let secret = SecretBytes::copy_from(&[0x42; 32]).unwrap();
        let (mut pts, _) = split(&secret, 3, 5, &mut rng(4)).unwrap();
        pts[4].y.as_mut_slice()[7] ^= 0x80;
        let mut c = Combiner::new().unwrap();
        let mut right = 0;
        for_each_subset(5, 3, |idx| {
            let sub: Vec<&SharePoint> = idx.iter().map(|&i| &pts[i]).collect();
            let once = combine(&sub, 3).unwrap();
            let reused = c.combine(&sub, 3).unwrap();
            assert!(reused.ct_eq(once.as_slice()), "subset {idx:?}");
            right += usize::from(reused.ct_eq(secret.as_slice()));
        });
        // Every subset without the corrupted share 5: C(4, 3).
        assert_eq!(right, 4);
        // A refused subset leaves no earlier secret behind.
        let err = c.combine(&[&pts[0], &pts[0], &pts[1]], 3).unwrap_err();
        assert_eq!(err.kind, Kind::DuplicateShare);
        assert!(c.secret.ct_eq(&[0; 32]));
    }

    #[test]
    fn bad_parameters_refused() {
        let secret = SecretBytes::copy_from(&[1; 32]).unwrap();
        assert!(split(&secret, 4, 3, &mut rng(3)).is_err());
        assert!(split(&secret, 2, 17, &mut rng(3)).is_err());
        assert!(split(&secret, 1, 3, &mut rng(3)).is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn split_combine_round_trip(seed in any::<[u8; 32]>(), rs in any::<u64>()) {
            let secret = SecretBytes::copy_from(&seed).unwrap();
            for n in 2..=8u8 {
                for k in 2..=n {
                    let (pts, checked) = split(&secret, k, n, &mut rng(rs)).unwrap();
                    prop_assert_eq!(checked, binom(n as usize, k as usize));
                    // k - 1 shares must not give the secret back (with overwhelming probability).
                    let few: Vec<&SharePoint> = pts.iter().take(k as usize - 1).collect();
                    prop_assert!(combine(&few, k).is_err());
                    // The last k shares rebuild it.
                    let last: Vec<&SharePoint> = pts.iter().skip((n - k) as usize).collect();
                    prop_assert!(combine(&last, k).unwrap().ct_eq(&seed));
                }
            }
        }
    }
}
