//! What went wrong, as a value: [`Kind`]. Tests and callers match on kinds, never on message
//! text; the message stays for people. Each kind belongs to exactly one [`Fault`] (the table in
//! [`Kind::fault`]), so the exit code follows from the kind and the two cannot disagree.
//!
//! Kinds are stable: add a variant for a new concept, never reuse one for another meaning.
//! An error site with no specific kind yet gets its fault's [`Kind::General`] (through
//! [`crate::error::Error::input`] and its siblings).

use super::Fault;

/// What went wrong, grouped by concept. The fault (and so the exit code) of each kind is
/// [`Kind::fault`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// No specific kind yet: any error of this fault.
    General(Fault),

    // --- The operator's arguments and answers (exit 1) ---
    /// A command-line value is malformed or out of range (`--revoke`, `--at`, a reason, k of n).
    Argument,
    /// A requested date or validity period is refused: outside the root certificate's validity,
    /// beyond the allowed length, or not after a previous CRL.
    Validity,
    /// A serial number to revoke is refused: given twice, not positive, or revoked after
    /// thisUpdate.
    RevokedSerial,
    /// Confirmation refused: codes typed wrong, the wrong number of confirmers, or a name that
    /// cannot be used.
    ConfirmationRefused,
    /// The same person tried to confirm twice (confirmations need distinct people).
    SamePersonTwice,
    /// An output would overwrite an existing file or use a directory that is not empty.
    WouldOverwrite,
    /// A path is a symbolic link, has other hard links, is not a regular file, or changed
    /// while it was checked: refused, and nothing was written through it.
    PathIsLink,
    /// A value the operator typed or gave (e.g. the CSR hash delivered out of band) is
    /// malformed.
    TypedValue,
    /// The operator ended the input (Ctrl-D) or gave no answer: cancelled.
    Cancelled,
    /// The ceremony was interrupted (Ctrl-C, SIGINT, SIGTERM, SIGHUP): it stopped at a step,
    /// recorded `aborted` and wiped its secrets.
    Interrupted,
    /// A network interface is up at the start of a real ceremony and no exception was
    /// recorded (`--allow-network REASON`).
    NetworkUp,
    /// An entry was refused too many times (a share row typed wrongly three times); the tool
    /// gave up on it.
    TooManyTries,
    /// An attestation is refused: the transcript is not sealed, or this key already attested it.
    Attestation,
    /// The same share (or share number) was given twice.
    DuplicateShare,
    /// Fewer shares were given than the threshold needs.
    TooFewShares,
    /// A threshold and share count outside 2 <= k <= n <= 16.
    Threshold,
    /// An output place that could let secrets escape: a persistent disk or active swap for
    /// paper shards, a directory other users can write or that belongs to another user.
    UnsafeOutput,
    /// `--allow-unlocked-memory` given for a real (not rehearsal) ceremony.
    UnlockedMemoryRefused,

    // --- Malformed or refused input files and typed input (exit 1) ---
    /// An input file cannot be read, is not a regular file, or is larger than its format
    /// allows.
    Unreadable,
    /// PEM framing is broken: boundaries, labels, base64, headers, block count.
    Pem,
    /// DER is malformed or not canonical, or the bytes are not the expected structure.
    Der,
    /// A share's checksum does not match its content (a typo or damage).
    ShareChecksum,
    /// A share's rows are out of order, missing, repeated or belong to another row.
    ShareRow,
    /// A share row cannot be read: wrong length, more than one wrong character, or a
    /// non-canonical last character.
    RowTypo,
    /// A typed share, dice string or QR text holds a character outside its alphabet.
    BadCharacter,
    /// A share is malformed otherwise: header, version, flags, index, k of n, length.
    ShareFormat,
    /// Dice rolls are refused: too few.
    Dice,
    /// A photo of a share cannot be used: not an image, no QR code, a QR code that is not a
    /// share, or several shares.
    QrImage,
    /// A manifest file is malformed.
    Manifest,
    /// JSON that cannot be canonicalised (RFC 8785): a number that is not an integer up to
    /// 2^53-1.
    Json,
    /// A document to render as PDF is malformed (a table row with too many cells, a QR code
    /// that is not square).
    PdfContent,
    /// A plan file is malformed or inconsistent.
    Plan,
    /// A certificate profile (`templates/*.toml`) is malformed.
    ProfileFile,
    /// The profile refuses a CSR's subject or extension.
    ProfileRefuses,
    /// A paper layout file is malformed, or its texts do not fit on one page.
    PaperLayout,
    /// A paper shard's printed facts (number, threshold, rehearsal flag, ceremony) disagree
    /// with the share it carries.
    ShardMismatch,
    /// A key type, curve, key size, signature algorithm or algorithm parameters that rootkey
    /// does not accept, or a signature algorithm that does not fit the key.
    Unsupported,
    /// A public key is malformed: not on its curve, of the wrong length, of small order, an
    /// even RSA modulus or an unacceptable exponent.
    BadKey,
    /// A well-formed certificate that is not acceptable here: not an Ed25519 self-signed root CA,
    /// or one with a critical extension rootkey does not know.
    CertificateRefused,
    /// A certificate request breaks a rule of its format beyond DER: version, attributes,
    /// extension requests, an empty subject, its size.
    RequestRefused,
    /// A CRL breaks rootkey's CRL profile (RFC 5280 §5): version, time encoding, entries or
    /// extensions given twice, an unknown critical extension, no cRLNumber.
    CrlRefused,
    /// A certificate given as the previous intermediate is not one (the root itself,
    /// self-issued, not a CA).
    NotPreviousIntermediate,
    /// A CSR reuses the previous intermediate's key.
    KeyReused,

    // --- Hardware tokens: the operator's or holder's part (exit 1) ---
    /// A wrong token PIN (the message says what the token reports about the tries left), or
    /// one no token of its kind accepts (a YubiKey PIN longer than 8 bytes).
    WrongPin,
    /// The token's PIN is blocked; the holder must unblock it (PUK, SO PIN) first.
    PinBlocked,
    /// A key operation was asked before the PIN was given (`Token::login`).
    TokenNotLoggedIn,
    /// A YubiKey management key that does not authenticate, has the wrong length, or (the
    /// PIN-protected one) cannot be read.
    WrongManagementKey,
    /// A YubiKey still has the factory default management key, refused in a real ceremony.
    DefaultManagementKey,
    /// `--pkcs11-module` names no file, or a file that is not a PKCS#11 library.
    NotPkcs11Module,
    /// No token of the PKCS#11 module carries the label or serial asked for (the message lists
    /// the tokens that are there), or the YubiKey plugged in has another serial.
    TokenNotFound,
    /// More than one token (or YubiKey) fits the choice: which one is meant is not said.
    TokenAmbiguous,
    /// The token already holds a key under the slot or id asked for; it is never replaced
    /// without consent.
    TokenKeyExists,
    /// The token holds no key under the slot or id asked for.
    TokenKeyMissing,
    /// A key on the token cannot be used for a share: not a P-256 ECDH key, or one that could
    /// leave the token.
    TokenKeyUnsuitable,
    /// The token already holds a payload object under the id asked for; it is never
    /// overwritten.
    TokenObjectExists,
    /// The token's objects are inconsistent: several keys or payload objects under one id.
    TokenObjects,
    /// A key slot, key id, data object id or object size that rootkey does not use for
    /// payloads.
    TokenSlot,
    /// The token cannot store data objects (Yubico's ykcs11): the payload lives in the file
    /// only.
    TokenNoDataObjects,
    /// A token share's payload is neither beside the manifest nor on the token.
    TokenPayloadMissing,
    /// `--token-share` names a share the manifest does not list on a token, or a PKCS#11
    /// share is given without `--pkcs11-module`.
    NotATokenShare,

    // --- Verification failed; possible tampering (exit 3) ---
    /// A signature does not verify under the key it claims.
    SignatureInvalid,
    /// A certificate or CRL was not issued by this root (issuer or key identifier differ).
    WrongIssuer,
    /// The shares rebuild a key other than the root key.
    WrongKey,
    /// A share's digest is not in the manifest, or it belongs to another ceremony or root, or
    /// disagrees with the manifest's threshold or rehearsal flag.
    NotInManifest,
    /// A manifest (or transcript) names another root key or root certificate than the one
    /// given.
    OtherRoot,
    /// A file's hash does not match the hash delivered out of band.
    HashMismatch,
    /// What was signed differs from what was confirmed.
    SignedDiffers,
    /// A token payload was refused, with the payload reader's category (some are bad input,
    /// some possible tampering: [`TokenPayloadFailure::fault`]).
    TokenPayload(TokenPayloadFailure),
    /// A YubiKey's attestation of a slot key does not verify against the attestation root: the
    /// key may not have been generated on that YubiKey.
    AttestationRefused,
    /// A token answered something impossible: a generated key or ECDH result of the wrong
    /// form, or a payload written to it that does not read back as written.
    TokenMisbehaves,
    /// A transcript failed its replay, with the verifier's category.
    Transcript(TranscriptFailure),

    // --- The environment refused (exit 4) ---
    /// Secret memory could not be locked (or allocated) and unlocked memory was not allowed.
    UnlockedMemory,
    /// Process hardening (core dumps off, no ptrace) failed.
    Hardening,
    /// The operator's terminal could not be read or written.
    Terminal,
    /// The tool's own check of what it made failed (e.g. shares that do not rebuild the
    /// secret): faulty hardware or software.
    SelfCheck,
    /// The OS random number generator failed.
    Random,
    /// Rendering a PDF failed.
    Pdf,
    /// Sending a paper shard to the printer (`lp`) failed.
    Printer,
    /// rootkey's own steps disagree with each other (a bug): nothing more was done.
    Internal,
    /// The file system lacks a feature rootkey needs (file modes, hard links), e.g. FAT.
    FileSystem,
    /// A file or stream operation failed (create, write, fsync, link, remove, stat; writing to
    /// standard output or error).
    Io,
    /// pcscd, the PC/SC daemon, is not running (or cannot be reached).
    PcscUnavailable,
    /// PC/SC has no smart-card reader.
    NoReader,
    /// No YubiKey (or not the one asked for) is on the readers.
    NoCard,
    /// The token was removed or stopped answering during an operation.
    TokenRemoved,
    /// Another program holds the token.
    TokenBusy,
    /// The token has no room for the payload object.
    TokenFull,
    /// The token or its module failed an operation, or lacks a feature rootkey needs (e.g.
    /// YubiKey firmware before 5.3).
    TokenFailed,
}

/// The categories of the token payload reader (`docs/formats.md`, "Token payload v1");
/// [`Self::word`] is the category in the vectors and the independent verifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenPayloadFailure {
    /// Not `RKTP`.
    Magic,
    /// Another format version.
    Version,
    /// Ends before a field, or before the end of the tag.
    Truncated,
    /// Bytes after the tag.
    Trailing,
    /// A header field has a value the format does not allow.
    Field,
    /// A public key is not an uncompressed point on P-256.
    Point,
    /// The payload names another token (serial) than the one presented.
    OtherToken,
    /// The token presented has the payload's serial but another key than the payload was
    /// sealed to (category word `other-token` too).
    OtherKey,
    /// AES-GCM authentication failed: header or ciphertext changed, or another key.
    Authentication,
    /// The decrypted envelope is invalid or disagrees with the header: only the sealer could
    /// have written it.
    Envelope,
}

impl TokenPayloadFailure {
    /// The category word of the vectors and the independent verifier (`other-token` for both
    /// [`Self::OtherToken`] and [`Self::OtherKey`]).
    pub fn word(self) -> &'static str {
        match self {
            TokenPayloadFailure::Magic => "magic",
            TokenPayloadFailure::Version => "version",
            TokenPayloadFailure::Truncated => "truncated",
            TokenPayloadFailure::Trailing => "trailing",
            TokenPayloadFailure::Field => "field",
            TokenPayloadFailure::Point => "point",
            TokenPayloadFailure::OtherToken | TokenPayloadFailure::OtherKey => "other-token",
            TokenPayloadFailure::Authentication => "authentication",
            TokenPayloadFailure::Envelope => "envelope",
        }
    }

    /// Whose fault: malformed bytes are bad input, the wrong token presented is the
    /// operator's, a payload that fails its cryptography is possible tampering.
    pub fn fault(self) -> Fault {
        use TokenPayloadFailure::*;
        match self {
            Magic | Version | Truncated | Trailing | Field => Fault::Input,
            OtherToken => Fault::Operator,
            Point | OtherKey | Authentication | Envelope => Fault::Verification,
        }
    }
}

/// The categories of `transcript verify` (`docs/formats.md`, "Replay"); [`Self::word`] is the
/// word the verifier's message names after the entry (`entry seq 5 (line 6): modified: …`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TranscriptFailure {
    /// The file ends in the middle of an entry, or is empty.
    Truncated,
    /// A line was changed after it was written.
    Modified,
    /// A line was added.
    Inserted,
    /// A line was removed.
    Deleted,
    /// Lines were swapped.
    Reordered,
    /// A line is not a well-formed entry of this format.
    Malformed,
    /// The actions are not in an order a ceremony writes.
    Script,
    /// The seal does not seal this transcript.
    BadSeal,
    /// An attestation's signature does not verify.
    BadSignature,
    /// An attestation by a witness not in the given list.
    UnknownWitness,
    /// A listed witness did not attest (`--all-witnesses`).
    MissingWitness,
    /// An artifact differs from what the transcript recorded.
    Artifact,
    /// The transcript names another root than the given certificate.
    RootMismatch,
    /// The plan differs from the one the transcript recorded.
    Plan,
}

impl TranscriptFailure {
    /// Every category, in the order above.
    pub const ALL: [TranscriptFailure; 14] = [
        TranscriptFailure::Truncated,
        TranscriptFailure::Modified,
        TranscriptFailure::Inserted,
        TranscriptFailure::Deleted,
        TranscriptFailure::Reordered,
        TranscriptFailure::Malformed,
        TranscriptFailure::Script,
        TranscriptFailure::BadSeal,
        TranscriptFailure::BadSignature,
        TranscriptFailure::UnknownWitness,
        TranscriptFailure::MissingWitness,
        TranscriptFailure::Artifact,
        TranscriptFailure::RootMismatch,
        TranscriptFailure::Plan,
    ];

    /// The category whose [`Self::word`] is `word`, with `-` for spaces as in the transcript
    /// vectors' `failure` (`bad-seal`).
    pub fn from_word(word: &str) -> Option<TranscriptFailure> {
        let word = word.replace('-', " ");
        Self::ALL.into_iter().find(|f| f.word() == word)
    }

    /// The word in the verifier's message.
    pub fn word(self) -> &'static str {
        match self {
            TranscriptFailure::Truncated => "truncated",
            TranscriptFailure::Modified => "modified",
            TranscriptFailure::Inserted => "inserted",
            TranscriptFailure::Deleted => "deleted",
            TranscriptFailure::Reordered => "reordered",
            TranscriptFailure::Malformed => "malformed",
            TranscriptFailure::Script => "script",
            TranscriptFailure::BadSeal => "bad seal",
            TranscriptFailure::BadSignature => "bad signature",
            TranscriptFailure::UnknownWitness => "unknown witness",
            TranscriptFailure::MissingWitness => "missing witness",
            TranscriptFailure::Artifact => "artifact",
            TranscriptFailure::RootMismatch => "root mismatch",
            TranscriptFailure::Plan => "plan",
        }
    }
}

impl Kind {
    /// Whose fault this kind of error is: the one table from kind to fault (and exit code).
    pub fn fault(self) -> Fault {
        use Kind::*;
        match self {
            General(f) => f,
            Argument
            | Validity
            | RevokedSerial
            | ConfirmationRefused
            | SamePersonTwice
            | WouldOverwrite
            | PathIsLink
            | DuplicateShare
            | TooFewShares
            | Threshold
            | TypedValue
            | Cancelled
            | Interrupted
            | TooManyTries
            | Attestation
            | UnsafeOutput
            | UnlockedMemoryRefused
            | WrongPin
            | PinBlocked
            | TokenNotLoggedIn
            | WrongManagementKey
            | DefaultManagementKey
            | NotPkcs11Module
            | TokenNotFound
            | TokenAmbiguous
            | TokenKeyExists
            | TokenKeyMissing
            | TokenKeyUnsuitable
            | TokenObjectExists
            | TokenSlot
            | TokenNoDataObjects
            | TokenPayloadMissing
            | NotATokenShare => Fault::Operator,
            Unreadable
            | Pem
            | Der
            | ShareChecksum
            | ShareRow
            | RowTypo
            | BadCharacter
            | ShareFormat
            | Dice
            | Plan
            | ProfileFile
            | ProfileRefuses
            | PaperLayout
            | ShardMismatch
            | CrlRefused
            | Unsupported
            | BadKey
            | CertificateRefused
            | RequestRefused
            | NotPreviousIntermediate
            | KeyReused
            | QrImage
            | Manifest
            | Json
            | PdfContent
            | TokenObjects => Fault::Input,
            TokenPayload(f) => f.fault(),
            SignatureInvalid | WrongIssuer | WrongKey | NotInManifest | OtherRoot
            | HashMismatch | SignedDiffers | AttestationRefused | TokenMisbehaves
            | Transcript(_) => Fault::Verification,
            UnlockedMemory | NetworkUp | Hardening | Terminal | SelfCheck | Random | Pdf
            | Printer | FileSystem | Io | Internal | PcscUnavailable | NoReader | NoCard
            | TokenRemoved | TokenBusy | TokenFull | TokenFailed => Fault::Environment,
        }
    }
}
