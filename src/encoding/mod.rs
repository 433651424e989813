//! Foundation: small encodings every layer above uses — UTC time ([`time`]), hashes and
//! fingerprints as people read them ([`hexfmt`]), file names as transcripts record them
//! ([`names`]) and closed lists of names, one enum each ([`value_list`]). Like
//! [`crate::jcs`], [`crate::pgpwords`] and [`crate::secret`], nothing here knows what a share,
//! a certificate or a ceremony is; these modules import only [`crate::error`] and each other.

pub mod hexfmt;
pub mod names;
pub mod time;
pub mod value_list;
