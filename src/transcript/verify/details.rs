//! Typed access to an entry's `details`: each accessor names the member (`details.quorum.k`)
//! and what is wrong with it, as a `malformed` finding at the entry.

use super::chain::{exact_keys, hex32, safe_text};
use super::*;
use crate::error::TranscriptFailure as F;
use std::cell::Cell;

/// Longest string in `details` (characters, i.e. Unicode code points).
pub(super) const MAX_TEXT: usize = 2000;

/// The `details` object (or one nested in it) of an entry, with its path for messages.
///
/// [`D::keys`] takes the member list of a details struct (`event.rs`, the one place a member
/// is named); in debug builds every member read afterwards must be in that list.
pub(super) struct D<'a> {
    e: &'a Entry,
    pub(super) m: &'a Map<String, Value>,
    path: String,
    members: Cell<Option<&'static [&'static str]>>,
}

impl<'a> D<'a> {
    pub(super) fn of(e: &'a Entry) -> D<'a> {
        D::nested(e, &e.details, "details".into())
    }
    /// An object nested in an entry's details (`path` names it in messages).
    pub(super) fn nested(e: &'a Entry, m: &'a Map<String, Value>, path: String) -> D<'a> {
        D {
            e,
            m,
            path,
            members: Cell::new(None),
        }
    }
    pub(super) fn err(&self, key: &str, what: &str) -> Error {
        at(
            self.e,
            F::Malformed,
            format!("`{}.{key}` {what}", self.path),
        )
    }
    /// Exactly the members `keys` (a details struct's `MEMBERS`).
    pub(super) fn keys(&self, keys: &'static [&'static str]) -> Result<()> {
        self.members.set(Some(keys));
        exact_keys(self.m, keys, &format!("`{}`", self.path))
            .map_err(|w| at(self.e, F::Malformed, w))
    }
    pub(super) fn get(&self, key: &str) -> Result<&'a Value> {
        debug_assert!(
            self.members.get().is_none_or(|m| m.contains(&key)),
            "`{}.{key}` is not a member of its details struct",
            self.path
        );
        self.m.get(key).ok_or_else(|| self.err(key, "is missing"))
    }
    pub(super) fn str(&self, key: &str) -> Result<&'a str> {
        match self.get(key)?.as_str() {
            Some(s) if s.chars().count() > MAX_TEXT => {
                Err(self.err(key, &format!("is longer than {MAX_TEXT} characters")))
            }
            Some(s) if safe_text(s, MAX_TEXT) => Ok(s),
            Some(_) => Err(self.err(key, "holds control or invisible characters")),
            None => Err(self.err(key, "is not a string")),
        }
    }
    pub(super) fn name(&self, key: &str) -> Result<&'a str> {
        let s = self.str(key)?;
        if s.trim().is_empty() || s.chars().count() > 200 {
            return Err(self.err(key, "must be a name of 1 to 200 characters"));
        }
        Ok(s)
    }
    pub(super) fn file(&self, key: &str) -> Result<&'a str> {
        let s = self.str(key)?;
        if s.is_empty() || s == "." || s == ".." || s.contains('/') || s.contains('\0') {
            return Err(self.err(key, "must be a bare file name"));
        }
        Ok(s)
    }
    pub(super) fn hex32(&self, key: &str) -> Result<[u8; 32]> {
        self.get(key)?
            .as_str()
            .and_then(hex32)
            .ok_or_else(|| self.err(key, "is not 64 lower-case hex digits"))
    }
    pub(super) fn hex_str(&self, key: &str) -> Result<String> {
        Ok(hex::encode(self.hex32(key)?))
    }
    pub(super) fn u64(&self, key: &str) -> Result<u64> {
        self.get(key)?
            .as_u64()
            .ok_or_else(|| self.err(key, "is not a non-negative integer"))
    }
    pub(super) fn u8(&self, key: &str) -> Result<u8> {
        u8::try_from(self.u64(key)?).map_err(|_| self.err(key, "is larger than 255"))
    }
    pub(super) fn bool(&self, key: &str) -> Result<bool> {
        self.get(key)?
            .as_bool()
            .ok_or_else(|| self.err(key, "is not true or false"))
    }
    pub(super) fn obj(&self, key: &str) -> Result<D<'a>> {
        let m = self
            .get(key)?
            .as_object()
            .ok_or_else(|| self.err(key, "is not an object"))?;
        Ok(D::nested(self.e, m, format!("{}.{key}", self.path)))
    }
    pub(super) fn arr(&self, key: &str) -> Result<&'a Vec<Value>> {
        self.get(key)?
            .as_array()
            .ok_or_else(|| self.err(key, "is not an array"))
    }
}
