#!/usr/bin/python3
"""A YubiKey 5 PIV card emulator for the tests, served to pcscd through vsmartcard's vpcd.

It connects to vpcd on 127.0.0.1 only (vpcd listens on all addresses; we never use another).
vpcd framing: a 2-byte big-endian length, then the payload. A 1-byte payload is a control
code (0 power off, 1 power on, 2 reset, 4 send the ATR); anything longer is a command APDU,
answered with the response data followed by SW1 SW2.

It implements what the `yubikey` crate (0.9.0-rc.0) and Yubico's libykpiv/ykcs11 send, as a
YubiKey 5 answers it:
  SELECT (A4) of the PIV AID; GET VERSION (FD); GET SERIAL (F8); GET METADATA (F7) for the
  management key (9B), PIN (80), PUK (81) and key slots; VERIFY (20) with a retry counter
  (63Cx, 6983 blocked) and the empty-VERIFY state query; CHANGE REFERENCE (24), RESET RETRY
  (2C); SET MANAGEMENT KEY (FF); GENERAL AUTHENTICATE (87) for management-key mutual
  authentication (3DES, or AES-192 from firmware 5.7), ECDH (tag 85) and ECDSA signing (tag
  81) with P-256/P-384 keys and their PIN policy; GENERATE ASYMMETRIC KEY PAIR (47); ATTEST
  (F9) with a certificate signed by the card's attestation intermediate (object 5FFF01, slot
  F9) under a test CA; GET DATA (CB) / PUT DATA (DB) with command chaining (CLA 10) and GET
  RESPONSE (C0) for long answers; the PIN-protected objects (5FC109 needs the PIN).

State lives in a JSON file (--state), rewritten after every change, so a test can stop the
card and start it again "later". Fault switches: --drop-after N (the connection drops when
the Nth APDU arrives, unanswered), --drop-at-put-data (the connection drops when the last
chunk of the first PUT DATA to an object in 5F0000-5FBFFF arrives: the card had received
the object but not stored it, as a YubiKey pulled out mid-write), --block-pin, --capacity
BYTES (total object storage; a write beyond it gets 6A84), --apdu-log FILE (one line per
command: INS and P1 P2, never data). --init-only creates the state and the CA file and exits.

Exit status: 0 after vpcd closed the connection or a simulated drop; 2 on bad arguments.
"""

import argparse
import datetime
import json
import os
import secrets
import socket
import struct
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.x509.oid import NameOID

PIV_AID = bytes.fromhex("a000000308")
ATR = bytes.fromhex("3bfd1300008131fe158073c021c057597562694b657940")
DEFAULT_MGM = bytes.fromhex("010203040506070801020304050607080102030405060708")
MAX_OBJECT = 3063
YUBICO_OID = "1.3.6.1.4.1.41482.3."
CURVES = {0x11: (ec.SECP256R1, 32), 0x14: (ec.SECP384R1, 48)}


def tlv(tag, value):
    """BER-TLV with the YubiKey's length forms (1, 81 xx, 82 xx xx)."""
    n = len(value)
    if n < 0x80:
        head = bytes([n])
    elif n < 0x100:
        head = bytes([0x81, n])
    else:
        head = bytes([0x82, n >> 8, n & 0xFF])
    tag_bytes = tag.to_bytes(2, "big") if tag > 0xFF else bytes([tag])
    return tag_bytes + head + value


def parse_tlvs(data):
    """[(tag, value)] of a run of one-byte-tag TLVs; raises ValueError if malformed."""
    out, i = [], 0
    while i < len(data):
        tag = data[i]
        i += 1
        if i >= len(data):
            raise ValueError("truncated TLV")
        n = data[i]
        i += 1
        if n == 0x81:
            n, i = data[i], i + 1
        elif n == 0x82:
            n, i = (data[i] << 8) | data[i + 1], i + 2
        if i + n > len(data):
            raise ValueError("TLV longer than its data")
        out.append((tag, data[i:i + n]))
        i += n
    return out


class Sw(Exception):
    """A status word answer."""

    def __init__(self, sw):
        super().__init__(hex(sw))
        self.sw = sw


class Drop(Exception):
    """The simulated removal: close the connection without answering."""


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def pem_key(k):
    return k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                           serialization.NoEncryption()).decode()


def new_attestation_pki(serial):
    """A test CA and the card's F9 intermediate (RSA-2048, sha256WithRSAEncryption, as Yubico's)."""
    start = now() - datetime.timedelta(days=1)
    end = start + datetime.timedelta(days=3650)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "rootkey test PIV attestation CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(start).not_valid_after(end)
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    f9_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    f9_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Yubico PIV Attestation (emulated %d)" % serial)])
    f9 = (x509.CertificateBuilder().subject_name(f9_name).issuer_name(ca_name)
          .public_key(f9_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(start).not_valid_after(end)
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    return {
        "ca_key": pem_key(ca_key),
        "ca_cert": ca.public_bytes(serialization.Encoding.PEM).decode(),
        "f9_key": pem_key(f9_key),
        "f9_cert_der": f9.public_bytes(serialization.Encoding.DER).hex(),
    }


def new_state(serial, version):
    pki = new_attestation_pki(serial)
    f9_der = bytes.fromhex(pki["f9_cert_der"])
    f9_object = tlv(0x70, f9_der) + tlv(0x71, b"\x00") + tlv(0xFE, b"")
    mgm_alg = 0x0A if tuple(version) >= (5, 7, 0) else 0x03
    return {
        "serial": serial, "version": version, "pin": "123456", "puk": "12345678",
        "pin_tries": 3, "pin_left": 3, "puk_tries": 3, "puk_left": 3,
        "mgm_alg": mgm_alg, "mgm_key": DEFAULT_MGM.hex(), "keys": {},
        "objects": {"5fff01": f9_object.hex()}, "attestation": pki,
    }


class Card:
    def __init__(self, args):
        self.args = args
        self.path = args.state
        if os.path.exists(self.path):
            with open(self.path) as f:
                self.st = json.load(f)
        else:
            self.st = new_state(args.serial, [int(x) for x in args.version.split(".")])
            self.save()
        if args.block_pin:
            self.st["pin_left"] = 0
            self.save()
        if args.ca_out:
            tmp = args.ca_out + ".tmp"
            with open(tmp, "w") as f:
                f.write(self.st["attestation"]["ca_cert"])
            os.replace(tmp, args.ca_out)
        self.apdus = 0
        self.log = open(args.apdu_log, "a") if args.apdu_log else None
        self.reset()

    def save(self):
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.st, f, indent=1)
        os.replace(tmp, self.path)

    def reset(self):
        self.selected = False
        self.pin_ok = False
        self.pin_fresh = False  # for PIN policy "always": one operation per VERIFY
        self.mgm_ok = False
        self.witness = None
        self.chain = b""
        self.pending = b""

    # ---- framing -------------------------------------------------------------------------
    def answer(self, apdu):
        self.apdus += 1
        if self.args.drop_after and self.apdus >= self.args.drop_after:
            raise Drop()
        if len(apdu) < 4:
            return b"\x67\x00"
        cla, ins, p1, p2 = apdu[:4]
        data = apdu[5:5 + apdu[4]] if len(apdu) > 5 else b""
        if self.log:
            self.log.write("%02X %02X%02X%s\n" % (ins, p1, p2, " chained" if cla & 0x10 else ""))
            self.log.flush()
        if ins == 0xC0:
            return self.respond(b"", already=True)
        if cla & 0x10:
            self.chain += data
            return b"\x90\x00"
        data, self.chain = self.chain + data, b""
        self.pending = b""
        try:
            return self.respond(self.dispatch(ins, p1, p2, data))
        except Sw as e:
            return e.sw.to_bytes(2, "big")

    def respond(self, body, already=False):
        if not already:
            self.pending = body
        chunk, self.pending = self.pending[:256], self.pending[256:]
        if self.pending:
            return chunk + bytes([0x61, min(len(self.pending), 255)])
        return chunk + b"\x90\x00"

    # ---- commands ------------------------------------------------------------------------
    def dispatch(self, ins, p1, p2, data):
        if ins == 0xA4:
            if p1 == 0x04 and data[:5] == PIV_AID:
                self.reset()
                self.selected = True
                return tlv(0x61, tlv(0x4F, bytes.fromhex("0000100001")) + tlv(0x79, tlv(0x4F, PIV_AID)))
            raise Sw(0x6A82)
        if not self.selected:
            raise Sw(0x6D00)
        handler = {
            0xFD: lambda: bytes(self.st["version"]),
            0xF8: lambda: self.st["serial"].to_bytes(4, "big"),
            0xF7: lambda: self.metadata(p2),
            0x20: lambda: self.verify(p1, p2, data),
            0x24: lambda: self.change_ref(p2, data, unblock=False),
            0x2C: lambda: self.change_ref(p2, data, unblock=True),
            0xFF: lambda: self.set_mgm(data),
            0x87: lambda: self.authenticate(p1, p2, data),
            0x47: lambda: self.generate(p2, data),
            0xF9: lambda: self.attest(p1),
            0xCB: lambda: self.get_data(data),
            0xDB: lambda: self.put_data(data),
        }.get(ins)
        if handler is None:
            raise Sw(0x6D00)
        return handler()

    def metadata(self, slot):
        if slot == 0x9B:
            default = bytes.fromhex(self.st["mgm_key"]) == DEFAULT_MGM
            return tlv(1, bytes([self.st["mgm_alg"]])) + tlv(2, b"\x00\x01") + tlv(5, bytes([default]))
        if slot in (0x80, 0x81):
            who = "pin" if slot == 0x80 else "puk"
            default = self.st[who] == ("123456" if slot == 0x80 else "12345678")
            return (tlv(1, b"\xff") + tlv(5, bytes([default]))
                    + tlv(6, bytes([self.st[who + "_tries"], self.st[who + "_left"]])))
        key = self.st["keys"].get("%02x" % slot)
        if key is None:
            raise Sw(0x6A88)
        pub = self.private(key).public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        return (tlv(1, bytes([key["alg"]])) + tlv(2, bytes([key["pin_policy"], key["touch_policy"]]))
                + tlv(3, b"\x01") + tlv(4, tlv(0x86, pub)))

    def verify(self, p1, p2, data):
        if p2 != 0x80:
            raise Sw(0x6A88)
        if p1 == 0xFF:
            self.pin_ok = self.pin_fresh = False
            return b""
        left = self.st["pin_left"]
        if not data:
            if self.pin_ok:
                return b""
            raise Sw(0x6983 if left == 0 else 0x63C0 | left)
        if left == 0:
            raise Sw(0x6983)
        if data.rstrip(b"\xff") == self.st["pin"].encode():
            self.st["pin_left"] = self.st["pin_tries"]
            self.save()
            self.pin_ok = self.pin_fresh = True
            return b""
        self.pin_ok = self.pin_fresh = False
        self.st["pin_left"] = left - 1
        self.save()
        raise Sw(0x6983 if left - 1 == 0 else 0x63C0 | (left - 1))

    def change_ref(self, p2, data, unblock):
        if len(data) != 16:
            raise Sw(0x6A80)
        old, new = data[:8].rstrip(b"\xff").decode(), data[8:].rstrip(b"\xff").decode()
        who = "puk" if unblock or p2 == 0x81 else "pin"
        if self.st[who + "_left"] == 0:
            raise Sw(0x6983)
        if old != self.st[who]:
            self.st[who + "_left"] -= 1
            self.save()
            left = self.st[who + "_left"]
            raise Sw(0x6983 if left == 0 else 0x63C0 | left)
        self.st[who + "_left"] = self.st[who + "_tries"]
        if unblock:
            self.st["pin"], self.st["pin_left"] = new, self.st["pin_tries"]
        else:
            self.st[who] = new
        self.save()
        return b""

    def set_mgm(self, data):
        if not self.mgm_ok:
            raise Sw(0x6982)
        if len(data) < 3 or data[1] != 0x9B or data[0] not in (0x03, 0x08, 0x0A, 0x0C):
            raise Sw(0x6A80)
        self.st["mgm_alg"], self.st["mgm_key"] = data[0], data[3:3 + data[2]].hex()
        self.save()
        return b""

    def mgm_cipher(self, encrypt, block):
        key = bytes.fromhex(self.st["mgm_key"])
        alg = algorithms.TripleDES(key) if self.st["mgm_alg"] == 0x03 else algorithms.AES(key)
        c = Cipher(alg, modes.ECB())
        op = c.encryptor() if encrypt else c.decryptor()
        return op.update(block) + op.finalize()

    def authenticate(self, alg, slot, data):
        items = parse_tlvs(data)
        if len(items) != 1 or items[0][0] != 0x7C:
            raise Sw(0x6A80)
        inner = dict(parse_tlvs(items[0][1]))
        if slot == 0x9B:
            if alg != self.st["mgm_alg"]:
                raise Sw(0x6A80)
            size = 8 if alg == 0x03 else 16
            if 0x80 in inner and inner[0x80] == b"":
                self.witness = secrets.token_bytes(size)
                return tlv(0x7C, tlv(0x80, self.mgm_cipher(True, self.witness)))
            if 0x80 in inner and 0x81 in inner:
                ok = self.witness is not None and secrets.compare_digest(inner[0x80], self.witness)
                self.witness = None
                if not ok or len(inner[0x81]) != size:
                    self.mgm_ok = False
                    raise Sw(0x6982)
                self.mgm_ok = True
                return tlv(0x7C, tlv(0x82, self.mgm_cipher(True, inner[0x81])))
            raise Sw(0x6A80)
        key = self.st["keys"].get("%02x" % slot)
        if key is None or key["alg"] != alg:
            raise Sw(0x6A80)
        self.check_pin_policy(key)
        priv = self.private(key)
        if 0x85 in inner:
            try:
                peer = ec.EllipticCurvePublicKey.from_encoded_point(priv.curve, inner[0x85])
            except ValueError:
                raise Sw(0x6A80)
            return tlv(0x7C, tlv(0x82, priv.exchange(ec.ECDH(), peer)))
        if 0x81 in inner:
            from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
            digest = inner[0x81].rjust(CURVES[alg][1], b"\x00")[-CURVES[alg][1]:]
            h = hashes.SHA256() if alg == 0x11 else hashes.SHA384()
            return tlv(0x7C, tlv(0x82, priv.sign(digest, ec.ECDSA(Prehashed(h)))))
        raise Sw(0x6A80)

    def check_pin_policy(self, key):
        policy = key["pin_policy"]
        if policy == 0x03:  # always: a VERIFY right before each use
            if not self.pin_fresh:
                raise Sw(0x6982)
            self.pin_fresh = False
        elif policy != 0x01 and not self.pin_ok:  # default/once
            raise Sw(0x6982)

    def private(self, key):
        return serialization.load_pem_private_key(key["pem"].encode(), password=None)

    def generate(self, slot, data):
        if not self.mgm_ok:
            raise Sw(0x6982)
        if not (slot in (0x9A, 0x9C, 0x9D, 0x9E) or 0x82 <= slot <= 0x95):
            raise Sw(0x6A88)
        items = parse_tlvs(data)
        if len(items) != 1 or items[0][0] != 0xAC:
            raise Sw(0x6A80)
        params = dict(parse_tlvs(items[0][1]))
        alg = params.get(0x80, b"\x00")[0]
        if alg not in CURVES:
            raise Sw(0x6A80)
        pin_policy = params.get(0xAA, b"\x02")[0] or 0x02
        touch_policy = params.get(0xAB, b"\x01")[0] or 0x01
        if pin_policy not in (1, 2, 3) or touch_policy not in (1, 2, 3):
            raise Sw(0x6A80)
        priv = ec.generate_private_key(CURVES[alg][0]())
        self.st["keys"]["%02x" % slot] = {"alg": alg, "pin_policy": pin_policy,
                                         "touch_policy": touch_policy, "pem": pem_key(priv)}
        self.save()
        pub = priv.public_key().public_bytes(serialization.Encoding.X962,
                                             serialization.PublicFormat.UncompressedPoint)
        return tlv(0x7F49, tlv(0x86, pub))

    def attest(self, slot):
        key = self.st["keys"].get("%02x" % slot)
        if key is None:
            raise Sw(0x6A88)
        pki = self.st["attestation"]
        f9 = x509.load_der_x509_certificate(bytes.fromhex(pki["f9_cert_der"]))
        f9_key = serialization.load_pem_private_key(pki["f9_key"].encode(), password=None)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "YubiKey PIV Attestation %02x" % slot)])
        ext = [("3", bytes(self.st["version"])),
               ("7", b"\x02\x04" + self.st["serial"].to_bytes(4, "big")),
               ("8", bytes([key["pin_policy"], key["touch_policy"]])),
               ("9", b"\x01")]
        b = (x509.CertificateBuilder().subject_name(name).issuer_name(f9.subject)
             .public_key(self.private(key).public_key()).serial_number(x509.random_serial_number())
             .not_valid_before(f9.not_valid_before).not_valid_after(f9.not_valid_after))
        for suffix, value in ext:
            b = b.add_extension(x509.UnrecognizedExtension(x509.ObjectIdentifier(YUBICO_OID + suffix), value), critical=False)
        return b.sign(f9_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    @staticmethod
    def object_id(data):
        items = parse_tlvs(data)
        if not items or items[0][0] != 0x5C or len(items[0][1]) not in (1, 3):
            raise Sw(0x6A80)
        return items[0][1].hex(), items[1:]

    def get_data(self, data):
        oid, _ = self.object_id(data)
        if oid == "5fc109" and not self.pin_ok:
            raise Sw(0x6982)
        value = self.st["objects"].get(oid)
        if value is None:
            raise Sw(0x6A82)
        return tlv(0x53, bytes.fromhex(value))

    def put_data(self, data):
        if not self.mgm_ok:
            raise Sw(0x6982)
        oid, rest = self.object_id(data)
        if len(rest) != 1 or rest[0][0] != 0x53:
            raise Sw(0x6A80)
        value = rest[0][1]
        if self.args.drop_at_put_data and "5f0000" <= oid <= "5fbfff":
            raise Drop()
        if len(value) > MAX_OBJECT:
            raise Sw(0x6A84)
        if not value:
            self.st["objects"].pop(oid, None)
        else:
            used = sum(len(v) // 2 for k, v in self.st["objects"].items() if k != oid)
            if self.args.capacity is not None and used + len(value) > self.args.capacity:
                raise Sw(0x6A84)
            self.st["objects"][oid] = value.hex()
        self.save()
        return b""


def serve(card, port):
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.settimeout(None)
    # Each answer is one small write: without TCP_NODELAY, Nagle + delayed ACKs add ~40 ms per APDU.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    print("piv_card: connected to vpcd on 127.0.0.1:%d" % port, flush=True)

    def recv_exact(n):
        buf = b""
        while len(buf) < n:
            part = sock.recv(n - len(buf))
            if not part:
                return None
            buf += part
        return buf

    try:
        while True:
            head = recv_exact(2)
            if head is None:
                return 0
            msg = recv_exact(struct.unpack(">H", head)[0])
            if msg is None:
                return 0
            if len(msg) == 1:
                if msg[0] in (0, 1, 2):
                    card.reset()
                    continue
                if msg[0] == 4:
                    out = ATR
                else:
                    continue
            else:
                try:
                    out = card.answer(msg)
                except Drop:
                    print("piv_card: dropping the connection (simulated removal)", flush=True)
                    return 0
            sock.sendall(struct.pack(">H", len(out)) + out)
    finally:
        sock.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--state", required=True, help="JSON state file (created if missing)")
    ap.add_argument("--ca-out", help="write the test attestation CA certificate (PEM) here")
    ap.add_argument("--port", type=int, default=35963, help="vpcd port on 127.0.0.1")
    ap.add_argument("--serial", type=int, default=13371337)
    ap.add_argument("--version", default="5.4.3", help="firmware; 5.7+ defaults to an AES-192 management key")
    ap.add_argument("--drop-after", type=int, default=0, metavar="N")
    ap.add_argument("--drop-at-put-data", action="store_true")
    ap.add_argument("--block-pin", action="store_true")
    ap.add_argument("--capacity", type=int, default=None, metavar="BYTES")
    ap.add_argument("--apdu-log")
    ap.add_argument("--init-only", action="store_true", help="create the state (and --ca-out), then exit")
    args = ap.parse_args()
    if args.port < 1 or args.port > 65535:
        ap.error("--port out of range")
    card = Card(args)
    if args.init_only:
        return 0
    return serve(card, args.port)


if __name__ == "__main__":
    sys.exit(main())
