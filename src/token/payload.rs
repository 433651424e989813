//! Token payload v1 (`docs/formats.md`, "Token payload v1"): a share envelope encrypted on the
//! host to a P-256 key generated on a token, readable only with one ECDH on that token.
//!
//! ```text
//! header = "RKTP" 01 backend ceremony_id[16] root_fingerprint[32] share_index
//!          L holder  L serial  L key_ref  location  L object_id
//!          token_public[65] ephemeral_public[65] nonce[12]
//! Z      = x-coordinate of ECDH(ephemeral secret, token public key)        (32 bytes)
//! key    = HKDF-SHA256(salt = SHA-256(header), ikm = Z, info = INFO, L = 32)
//! body   = AES-256-GCM(key, nonce, aad = header, envelope[73])             (73 + 16 bytes)
//! ```
//!
//! [`parse`] is the strict reader (steps 1–13 of the spec's reading checks), [`open`] adds the
//! token steps (14–17), [`seal`] writes, [`write_then_prove`] writes to a token and reads back.
//! Z, the derived key and the decrypted envelope live only in locked memory; the ephemeral
//! secret is built in locked memory and p256's own copy is zeroized on drop.

use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use hkdf::Hkdf;
use p256::elliptic_curve::sec1::ToSec1Point;
use p256::{PublicKey, SecretKey};
use sha2::Sha256;

use super::{Backend, KeyRef, POINT_LEN, PublicPoint, Token};
use crate::error::{Error, Kind, TokenPayloadFailure, is_unsafe_char};
use crate::secret::{SecretBytes, sha256_parts};
use crate::share::{ENVELOPE_LEN, Envelope};

/// The first four bytes.
pub const MAGIC: &[u8; 4] = b"RKTP";
/// Format version byte.
pub const VERSION: u8 = 1;
/// HKDF info string.
pub const INFO: &[u8] = b"rootkey token payload v1";
/// Longest holder, serial, key reference and object id (bytes).
pub const MAX_FIELD: usize = 64;
/// Longest payload (the YubiKey PIV data object limit); v1 payloads are at most 547 bytes.
pub const MAX_LEN: usize = 3063;
/// AES-GCM nonce length.
pub const NONCE_LEN: usize = 12;
/// Ciphertext (the envelope) plus tag.
pub const BODY_LEN: usize = ENVELOPE_LEN + 16;

/// Where the payload is kept (header byte `location`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location {
    /// 1: a data object on the token, and the payload file.
    TokenAndFile,
    /// 2: the payload file only (the token holds the key but cannot hold data: ykcs11).
    FileOnly,
}

impl Location {
    fn code(self) -> u8 {
        match self {
            Location::TokenAndFile => 1,
            Location::FileOnly => 2,
        }
    }
}

/// The clear, authenticated fields of a payload, as the sealer chooses them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// The backend that reaches the token.
    pub backend: Backend,
    /// Ceremony id (as in the share envelope).
    pub ceremony_id: [u8; 16],
    /// SHA-256 of the root key's SubjectPublicKeyInfo (the manifest's fingerprint).
    pub root_fingerprint: [u8; 32],
    /// Share index, 1..=16.
    pub share_index: u8,
    /// The holder's name.
    pub holder: String,
    /// The token's serial number.
    pub token_serial: String,
    /// The key on the token (PKCS#11 `CKA_ID`, or the PIV slot).
    pub key_ref: KeyRef,
    /// Where the payload is kept.
    pub location: Location,
    /// The data object (PKCS#11 `CKA_LABEL`, PIV object id); empty when [`Location::FileOnly`].
    pub object_id: Vec<u8>,
    /// The token's public key the envelope is encrypted to.
    pub token_public: PublicPoint,
}

/// A parsed payload: header, ephemeral key, nonce, and where the header ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payload {
    /// The header fields.
    pub header: Header,
    /// The host's ephemeral public key.
    pub ephemeral_public: PublicPoint,
    /// The AES-GCM nonce.
    pub nonce: [u8; NONCE_LEN],
    header_len: usize,
}

/// The error `error` with the payload category `kind` (`Kind::TokenPayload`).
fn refuse(kind: TokenPayloadFailure, mut error: Error) -> Error {
    error.kind = Kind::TokenPayload(kind);
    error
}

fn field(msg: String) -> Error {
    refuse(
        TokenPayloadFailure::Field,
        Error::input(format!("token payload: {msg}")),
    )
}

/// Checks the header fields the sealer chose (the same rules [`parse`] applies).
fn check_header(h: &Header) -> crate::Result<()> {
    if h.share_index == 0 || h.share_index > crate::share::MAX_SHARES {
        return Err(field(format!(
            "share index {} is outside 1..=16",
            h.share_index
        )));
    }
    check_holder(h.holder.as_bytes())?;
    check_serial(h.token_serial.as_bytes())?;
    let piv = h.backend == Backend::YubikeyPiv;
    let k = &h.key_ref.0;
    if k.is_empty() || k.len() > MAX_FIELD || (piv && k.len() != 1) {
        return Err(field(format!(
            "key reference of {} bytes (1..=64; exactly 1, the slot, for YubiKey PIV)",
            k.len()
        )));
    }
    let o = &h.object_id;
    match h.location {
        Location::FileOnly if !o.is_empty() => {
            return Err(field(
                "location 2 (file only) with a non-empty object id".into(),
            ));
        }
        Location::TokenAndFile if o.is_empty() || o.len() > MAX_FIELD => {
            return Err(field(format!(
                "object id of {} bytes with location 1 (1..=64)",
                o.len()
            )));
        }
        Location::TokenAndFile if piv && !piv_object_ok(o) => {
            return Err(field(format!(
                "PIV object id {} is not 3 bytes in 5F0000..5FFFFF (5FC109 and 5FFF00 excluded)",
                hex::encode(o)
            )));
        }
        _ => {}
    }
    Ok(())
}

fn piv_object_ok(o: &[u8]) -> bool {
    o.len() == 3 && o[0] == 0x5F && o != [0x5F, 0xC1, 0x09] && o != [0x5F, 0xFF, 0x00]
}

fn check_holder(b: &[u8]) -> crate::Result<()> {
    let ok = std::str::from_utf8(b)
        .is_ok_and(|s| !s.is_empty() && !s.chars().any(is_unsafe_char) && s.trim_matches(' ') == s);
    if b.len() > MAX_FIELD || !ok {
        return Err(field(format!(
            "holder name ({} bytes) is not 1..=64 bytes of UTF-8 without control or invisible characters and outer spaces",
            b.len()
        )));
    }
    Ok(())
}

fn check_serial(b: &[u8]) -> crate::Result<()> {
    let printable = b.iter().all(|c| (0x20..=0x7e).contains(c));
    if b.is_empty() || b.len() > MAX_FIELD || !printable || b[0] == b' ' || b[b.len() - 1] == b' ' {
        return Err(field(format!(
            "token serial ({} bytes) is not 1..=64 printable ASCII characters without outer spaces",
            b.len()
        )));
    }
    Ok(())
}

/// The point, if `b` is an uncompressed SEC1 point on P-256 (never the identity).
fn point(b: &[u8], what: &str, offset: usize) -> crate::Result<PublicKey> {
    let bad = |why: &str| {
        refuse(
            TokenPayloadFailure::Point,
            Error::verification(format!(
                "token payload, byte {offset}: the {what} is {why}"
            ))
            .hint("the payload was damaged or forged; use the other copy (payload file or token object)"),
        )
    };
    if b.first() != Some(&0x04) {
        return Err(bad("not an uncompressed point (first byte is not 04)"));
    }
    PublicKey::from_sec1_bytes(b).map_err(|_| bad("not a point on P-256"))
}

/// The header bytes of `h` with `ephemeral` and `nonce`.
fn encode_header(h: &Header, ephemeral: &PublicPoint, nonce: &[u8; NONCE_LEN]) -> Vec<u8> {
    let mut b = Vec::with_capacity(400);
    b.extend_from_slice(MAGIC);
    b.push(VERSION);
    b.push(h.backend.code());
    b.extend_from_slice(&h.ceremony_id);
    b.extend_from_slice(&h.root_fingerprint);
    b.push(h.share_index);
    for f in [h.holder.as_bytes(), h.token_serial.as_bytes(), &h.key_ref.0] {
        b.push(f.len() as u8); // Invariant: check_header bounds every field to 64 bytes.
        b.extend_from_slice(f);
    }
    b.push(h.location.code());
    b.push(h.object_id.len() as u8);
    b.extend_from_slice(&h.object_id);
    b.extend_from_slice(&h.token_public);
    b.extend_from_slice(ephemeral);
    b.extend_from_slice(nonce);
    b
}

/// The AES-256-GCM key: HKDF-SHA256(salt = SHA-256(header), ikm = Z, info = [`INFO`]).
fn payload_key(header: &[u8], z: &SecretBytes) -> crate::Result<SecretBytes> {
    let salt = sha256_parts(&[header]);
    let mut key = SecretBytes::zeroed(32)?;
    Hkdf::<Sha256>::new(Some(&salt), z.as_slice())
        .expand(INFO, key.as_mut_slice())
        .map_err(|_| Error::new(Kind::Internal, "HKDF-SHA256 refused a 32-byte output"))?;
    Ok(key)
}

/// Seals `envelope` to `header.token_public` with a fresh ephemeral key and nonce from the OS.
pub fn seal(header: &Header, envelope: &Envelope) -> crate::Result<Vec<u8>> {
    let mut nonce = [0u8; NONCE_LEN];
    getrandom::fill(&mut nonce)
        .map_err(|e| Error::new(Kind::Random, format!("OS random generator failed: {e}")))?;
    loop {
        let mut eph = SecretBytes::zeroed(32)?;
        getrandom::fill(eph.as_mut_slice())
            .map_err(|e| Error::new(Kind::Random, format!("OS random generator failed: {e}")))?;
        // A 32-byte string is a valid scalar unless it is 0 or >= n (probability ~2^-32).
        if SecretKey::from_slice(eph.as_slice()).is_ok() {
            return seal_with(header, envelope, &eph, &nonce);
        }
    }
}

/// Seals with a given ephemeral secret scalar (32 bytes, big-endian) and nonce. Only for test
/// vectors: a repeated ephemeral key or nonce breaks the encryption.
pub fn seal_with(
    header: &Header,
    envelope: &Envelope,
    ephemeral_secret: &SecretBytes,
    nonce: &[u8; NONCE_LEN],
) -> crate::Result<Vec<u8>> {
    check_header(header)?;
    let token = point(&header.token_public, "token public key", 0)?;
    let eph = SecretKey::from_slice(ephemeral_secret.as_slice()).map_err(|_| {
        Error::new(
            Kind::BadKey,
            "token payload: the ephemeral secret is not a P-256 scalar",
        )
    })?;
    let eph_pub: PublicPoint = point_bytes(&eph.public_key());
    let z = shared_x(&eph, &token)?;
    let mut out = encode_header(header, &eph_pub, nonce);
    let header_len = out.len();
    let key = payload_key(&out, &z)?;
    let cipher = Aes256Gcm::new_from_slice(key.as_slice())
        .map_err(|_| Error::new(Kind::Internal, "AES-256-GCM refused a 32-byte key"))?;
    let mut body = envelope.as_bytes().to_vec(); // becomes the ciphertext in place
    let tag = cipher
        .encrypt_inout_detached(
            &Nonce::from(*nonce),
            &out[..header_len],
            body.as_mut_slice().into(),
        )
        .map_err(|_| Error::new(Kind::Internal, "AES-256-GCM encryption failed"))?;
    out.extend_from_slice(&body);
    out.extend_from_slice(&tag);
    Ok(out)
}

fn point_bytes(p: &PublicKey) -> PublicPoint {
    let mut out = [0u8; POINT_LEN];
    out.copy_from_slice(p.to_sec1_point(false).as_bytes());
    out
}

/// Host-side ECDH: the x-coordinate of `secret · public`, in locked memory.
fn shared_x(secret: &SecretKey, public: &PublicKey) -> crate::Result<SecretBytes> {
    let shared = p256::ecdh::diffie_hellman(secret.to_nonzero_scalar(), public.as_affine());
    SecretBytes::copy_from(shared.raw_secret_bytes()).map_err(Error::from)
}

/// A cursor over the payload; running out is [`TokenPayloadFailure::Truncated`] naming the field.
struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &str) -> crate::Result<&'a [u8]> {
        if self.b.len() - self.pos < n {
            return Err(refuse(
                TokenPayloadFailure::Truncated,
                Error::input(format!(
                    "token payload is truncated: it ends at byte {} inside the {what} (bytes {}..{})",
                    self.b.len(),
                    self.pos,
                    self.pos + n
                ))
                .hint("use the other copy (payload file or token object)"),
            ));
        }
        let s = &self.b[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    fn byte(&mut self, what: &str) -> crate::Result<u8> {
        Ok(self.take(1, what)?[0])
    }
    fn counted(&mut self, what: &str) -> crate::Result<&'a [u8]> {
        let n = self.byte(&format!("{what} length"))?;
        if n as usize > MAX_FIELD {
            return Err(field(format!(
                "byte {}: {what} length {n} is above 64",
                self.pos - 1
            )));
        }
        self.take(n as usize, what)
    }
}

/// Parses a payload strictly (spec reading checks 1–13): magic, version, every field, both
/// points, the exact length. Touches no token.
pub fn parse(bytes: &[u8]) -> crate::Result<Payload> {
    let mut r = Reader { b: bytes, pos: 0 };
    if r.take(4, "magic")? != MAGIC {
        return Err(refuse(
            TokenPayloadFailure::Magic,
            Error::input("not a token payload: it does not start with \"RKTP\"")
                .hint("give the share-<index>.token file written at the generation ceremony"),
        ));
    }
    let v = r.byte("version")?;
    if v != VERSION {
        return Err(refuse(
            TokenPayloadFailure::Version,
            Error::input(format!(
                "token payload, byte 4: format version {v} is not supported (this tool reads version {VERSION})"
            ))
            .hint("use the rootkey release that wrote it"),
        ));
    }
    let b = r.byte("backend")?;
    let backend =
        Backend::from_code(b).ok_or_else(|| field(format!("byte 5: unknown backend {b}")))?;
    let mut ceremony_id = [0u8; 16];
    ceremony_id.copy_from_slice(r.take(16, "ceremony id")?);
    let mut root_fingerprint = [0u8; 32];
    root_fingerprint.copy_from_slice(r.take(32, "root fingerprint")?);
    let share_index = r.byte("share index")?;
    if share_index == 0 || share_index > crate::share::MAX_SHARES {
        return Err(field(format!(
            "byte 54: share index {share_index} is outside 1..=16"
        )));
    }
    let holder = r.counted("holder")?;
    check_holder(holder)?;
    let serial = r.counted("token serial")?;
    check_serial(serial)?;
    let key_ref = KeyRef(r.counted("key reference")?.to_vec());
    let loc = r.byte("location")?;
    let location = match loc {
        1 => Location::TokenAndFile,
        2 => Location::FileOnly,
        _ => {
            return Err(field(format!("byte {}: unknown location {loc}", r.pos - 1)));
        }
    };
    let object_id = r.counted("object id")?.to_vec();
    let tp_at = r.pos;
    let token_public: PublicPoint = r
        .take(POINT_LEN, "token public key")?
        .try_into()
        .unwrap_or([0; 65]);
    let ep_at = r.pos;
    let ephemeral_public: PublicPoint = r
        .take(POINT_LEN, "ephemeral public key")?
        .try_into()
        .unwrap_or([0; 65]);
    let nonce: [u8; NONCE_LEN] = r.take(NONCE_LEN, "nonce")?.try_into().unwrap_or([0; 12]);
    let header = Header {
        backend,
        ceremony_id,
        root_fingerprint,
        share_index,
        // Invariant: check_holder and check_serial accepted these bytes as UTF-8 / ASCII.
        holder: String::from_utf8_lossy(holder).into_owned(),
        token_serial: String::from_utf8_lossy(serial).into_owned(),
        key_ref,
        location,
        object_id,
        token_public,
    };
    check_header(&header)?;
    point(&token_public, "token public key", tp_at)?;
    point(&ephemeral_public, "ephemeral public key", ep_at)?;
    let header_len = r.pos;
    r.take(BODY_LEN, "ciphertext and tag")?;
    if r.pos != bytes.len() {
        return Err(refuse(
            TokenPayloadFailure::Trailing,
            Error::input(format!(
                "token payload has {} bytes after the tag (it should end at byte {})",
                bytes.len() - r.pos,
                r.pos
            ))
            .hint("use the other copy (payload file or token object)"),
        ));
    }
    Ok(Payload {
        header,
        ephemeral_public,
        nonce,
        header_len,
    })
}

/// Opens a payload with the token (spec reading checks 1–17): [`parse`], then the token's
/// serial and public key must be the header's, one ECDH on the token (needs
/// [`Token::login`]), HKDF, AES-256-GCM, and the envelope must be valid and agree with the
/// header (ceremony id, root fingerprint, share index).
pub fn open(bytes: &[u8], token: &mut dyn Token) -> crate::Result<Envelope> {
    let p = parse(bytes)?;
    let h = &p.header;
    let name = token.name().clone();
    if h.token_serial != name.serial {
        return Err(refuse(
            TokenPayloadFailure::OtherToken,
            Error::operator(format!(
                "this payload belongs to the token with serial {} (share {}, holder \"{}\"), not to {name}",
                crate::error::replace_unsafe(&h.token_serial, '?'),
                h.share_index,
                h.holder
            ))
            .hint("present the token this share was written to"),
        ));
    }
    let on_token = token.public_key(&h.key_ref)?;
    if on_token != h.token_public {
        return Err(refuse(
            TokenPayloadFailure::OtherKey,
            Error::verification(format!(
                "{name}: its key {} is not the key this payload (share {}) was sealed to",
                hex::encode(&h.key_ref.0),
                h.share_index
            ))
            .hint("the key on the token was replaced, or the payload is for another token with the same serial"),
        ));
    }
    let z = token.ecdh(&h.key_ref, &p.ephemeral_public)?;
    decrypt(bytes, &p, &z).map_err(|e| match e.kind {
        Kind::TokenPayload(TokenPayloadFailure::Authentication) => e.context(format!("{name}")),
        _ => e,
    })
}

/// Steps 16–17 with the shared secret `z`: HKDF, AES-256-GCM, then the envelope.
fn decrypt(bytes: &[u8], p: &Payload, z: &SecretBytes) -> crate::Result<Envelope> {
    let header = &bytes[..p.header_len];
    let key = payload_key(header, z)?;
    let cipher = Aes256Gcm::new_from_slice(key.as_slice())
        .map_err(|_| Error::new(Kind::Internal, "AES-256-GCM refused a 32-byte key"))?;
    let ct = &bytes[p.header_len..p.header_len + ENVELOPE_LEN];
    // Invariant: parse checked that exactly the ciphertext and the 16-byte tag follow.
    let tag: [u8; 16] = bytes[p.header_len + ENVELOPE_LEN..]
        .try_into()
        .map_err(|_| field("the tag is not 16 bytes".into()))?;
    let mut plain = SecretBytes::copy_from(ct)?;
    cipher
        .decrypt_inout_detached(
            &Nonce::from(p.nonce),
            header,
            plain.as_mut_slice().into(),
            &Tag::from(tag),
        )
        .map_err(|_| {
            refuse(
                TokenPayloadFailure::Authentication,
                Error::verification(format!(
                    "token payload for share {}: authentication failed (the header or ciphertext was changed, or it was sealed to another key)",
                    p.header.share_index
                ))
                .hint("use the other copy (payload file or token object); if both fail, treat the share as lost and report possible tampering"),
            )
        })?;
    // Only the sealer could have written an authentic but invalid envelope: tampering (exit 3).
    let env = Envelope::from_bytes(plain).map_err(|e| {
        refuse(
            TokenPayloadFailure::Envelope,
            e.context("token payload: the decrypted envelope"),
        )
    })?;
    let eh = env.header();
    let h = &p.header;
    if eh.ceremony_id != h.ceremony_id
        || eh.root_fingerprint[..] != h.root_fingerprint[..16]
        || eh.index != h.share_index
    {
        return Err(refuse(
            TokenPayloadFailure::Envelope,
            Error::verification(format!(
                "token payload: the envelope inside (share {}) does not match the header (share {}, ceremony {}, root fingerprint {}…)",
                eh.index,
                h.share_index,
                hex::encode(h.ceremony_id),
                hex::encode(&h.root_fingerprint[..8])
            )),
        ));
    }
    Ok(env)
}

mod prove;
pub use prove::{Written, write_then_prove};

#[cfg(test)]
mod tests;
