//! PKCS#11 backend of [`crate::token::Token`]. Being written.
