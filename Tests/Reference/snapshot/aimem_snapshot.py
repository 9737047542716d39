#!/usr/bin/env python3
"""Independent reference implementation of the ai-mem snapshot format, version 1
(payloads 1 and 2).

Written from docs/FORMAT.md and docs/KEYS.md alone (not from the Swift sources).
Section references in comments ("FORMAT §3", "KEYS: Keyring file") point at the
text each function implements.  Where the spec leaves a choice open, the choice
made here is marked "SPEC-GAP" and listed in README.md.

Dependencies: the Python standard library and PyNaCl (libsodium).

    aimem_snapshot.py read  --identity KEY [--passphrase P] --keyring KEYRING [--own-row ID] FILE
    aimem_snapshot.py write --identity KEY --to PUB [--to PUB ...] --records R.json OUT
    aimem_snapshot.py check-vectors MANIFEST
"""

from __future__ import annotations

import argparse
import base64
import bisect
import errno
import hashlib
import json
import math
import os
import random
import re
import stat
import struct
import sys
import tempfile
import time
import unicodedata
import uuid
import zlib
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Callable, Optional

import nacl.bindings as sodium
import nacl.exceptions

# --------------------------------------------------------------------------
# Constants (FORMAT §2, §3, §4, §7; KEYS)
# --------------------------------------------------------------------------

MAGIC = b"AIMEMSNP"
VERSION = 0x01
MAX_RECIPIENTS = 64
STANZA_LEN = 80                      # crypto_box_seal of a 32-byte key: 32 + 48
STREAM_HEADER_LEN = 24
CHUNK_PLAINTEXT = 65536
ABYTES = sodium.crypto_secretstream_xchacha20poly1305_ABYTES        # 17
MIN_CHUNK_LEN = 1 + ABYTES           # 18: a MESSAGE chunk holds at least 1 byte
MAX_CHUNK_LEN = CHUNK_PLAINTEXT + ABYTES   # 65 553
SIG_LEN = 64
TAG_MESSAGE = sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE  # 0
TAG_FINAL = sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL      # 3

MAX_METADATA_LINE = 1 << 20          # 1 MiB, the "\n" excluded
MAX_OTHER_LINE = 16 << 20            # 16 MiB, the "\n" excluded
MAX_JSON_DEPTH = 64
MAX_ID_BYTES = 200
MAX_DIM = 4096
# SPEC-GAP: FORMAT §4.1 gives no upper bound for `sequence` and `count`;
# this reader caps them at the largest signed 64-bit integer.
MAX_INT64 = (1 << 63) - 1

SIGNATURE_DOMAIN = b"ai-mem snapshot v1\x00"   # FORMAT §5 (19 bytes; see README)
KEY_ID_DOMAIN = b"ai-mem key id v1"            # FORMAT §1 (no NUL in the text)
PK_PREFIX = "ai-mem-pk1:"
PK_BODY_LEN = 91                                 # base64url of 68 bytes, no padding

SECRET_KEY_MAX = 64 * 1024                       # KEYS: at most 64 KiB
SECRET_KEY_AD_PREFIX = b"ai-mem secret key v1\x00"
KEYRING_MAX = 1 << 20                            # KEYS: at most 1 MiB
PASSPHRASE_FILE_MAX = 4096

B64URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
HEX16 = re.compile(r"[0-9a-f]{16}\Z")
HEX64 = re.compile(r"[0-9a-f]{64}\Z")

# Payload 2 (FORMAT §4.4-§4.7)
PAYLOAD_VERSIONS = (1, 2)
TIME_MIN = 946684800                 # 2000-01-01T00:00:00Z (FORMAT §4.1, §4.7)
TIME_SKEW = 86400                    # one day
RECORD_SIG_PREFIX = b"ai-mem record v2"        # FORMAT §4.6 (16 bytes, then 0x00)
TOMBSTONE_SIG_PREFIX = b"ai-mem tombstone v2"  # FORMAT §4.6 (19 bytes, then 0x00)


class Refusal(Exception):
    """A refusal with the error class FORMAT.md/KEYS.md names.

    `cls` is the class ("truncated", "corrupted", "untrusted signer", ...);
    `detail` is the human message, in the spec's wording where it gives one
    ("corrupted at chunk 3", "untrusted signer 0123456789abcdef").
    """

    def __init__(self, cls: str, detail: str = "", line: Optional[int] = None):
        super().__init__(f"{cls}: {detail}" if detail else cls)
        self.cls = cls
        self.detail = detail or cls
        self.line = line


# --------------------------------------------------------------------------
# base64 helpers (FORMAT preamble: base64url = RFC 4648 §5 unpadded;
# base64 = RFC 4648 §4 padded).  Both decoders are strict: alphabet only,
# exact padding rule, and canonical (unused bits zero).
# SPEC-GAP: only the key line is said to require canonical encoding; the
# strictness of the other fields (salt, nonce, secret, embedding vector) is
# this implementation's choice.
# --------------------------------------------------------------------------

def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict unpadded base64url; raises ValueError."""
    if not isinstance(text, str) or any(c not in B64URL_ALPHABET for c in text):
        raise ValueError("character outside the base64url alphabet")
    if len(text) % 4 == 1:
        raise ValueError("impossible base64url length")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64url_encode(data) != text:
        raise ValueError("non-canonical base64url (unused bits set)")
    return data


def b64_decode_strict(text: str) -> bytes:
    """Strict padded standard base64; raises ValueError."""
    if not isinstance(text, str) or len(text) % 4 != 0:
        raise ValueError("base64 length is not a multiple of 4")
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError) as e:
        raise ValueError(f"not base64: {e}") from None
    if base64.b64encode(data).decode("ascii") != text:
        raise ValueError("non-canonical base64")
    return data


def blake2b(data_parts, size: int) -> bytes:
    h = hashlib.blake2b(digest_size=size)      # == libsodium crypto_generichash
    for p in data_parts:
        h.update(p)
    return h.digest()


# --------------------------------------------------------------------------
# FORMAT §1: public-key lines and key IDs
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class PublicKey:
    ed25519: bytes
    x25519: bytes

    @property
    def key_id(self) -> str:
        return key_id(self.ed25519, self.x25519)

    @property
    def line(self) -> str:
        return format_public_key_line(self.ed25519, self.x25519)


def key_id(ed_pk: bytes, x_pk: bytes) -> str:
    """FORMAT §1: hex of the first 8 bytes of BLAKE2b-256(domain ‖ Ed ‖ X)."""
    return blake2b([KEY_ID_DOMAIN, ed_pk, x_pk], 32)[:8].hex()


def format_public_key_line(ed_pk: bytes, x_pk: bytes) -> str:
    body = ed_pk + x_pk
    crc = zlib.crc32(PK_PREFIX.encode("ascii") + body) & 0xFFFFFFFF
    return PK_PREFIX + b64url_encode(body + struct.pack("<I", crc))


def parse_public_key_line(line: str) -> PublicKey:
    """FORMAT §1.  Checks in the order the section lists them.

    SPEC-GAP: the spec lists the conditions but not their precedence, nor the
    class names other than "unsupported version"; the names used here are
    "not a key line", "invalid character", "wrong length",
    "non-canonical encoding", "bad checksum".  No surrounding whitespace is
    tolerated (callers strip the line terminator).
    """
    if not isinstance(line, str):
        raise Refusal("not a key line", "not text")
    if not line.startswith(PK_PREFIX):
        if re.match(r"ai-mem-pk[0-9]+:", line):
            raise Refusal("unsupported version", f"key line version {line.split(':')[0]!r}")
        raise Refusal("not a key line", "the line does not start with 'ai-mem-pk1:'")
    body = line[len(PK_PREFIX):]
    for i, c in enumerate(body):
        if c not in B64URL_ALPHABET:
            raise Refusal("invalid character", f"character {c!r} at position {i} is not base64url")
    if len(body) != PK_BODY_LEN:
        raise Refusal("wrong length", f"{len(body)} characters instead of {PK_BODY_LEN}")
    # 91 characters carry 546 bits for 544: the last character's 2 low bits are unused.
    if B64URL_ALPHABET.index(body[-1]) & 0b11:
        raise Refusal("non-canonical encoding", "unused low bits of the last character are set")
    raw = base64.urlsafe_b64decode(body + "=")
    assert len(raw) == 68
    crc = zlib.crc32(PK_PREFIX.encode("ascii") + raw[:64]) & 0xFFFFFFFF
    if struct.pack("<I", crc) != raw[64:68]:
        raise Refusal("bad checksum", "the CRC-32 does not match (mistyped line?)")
    return PublicKey(raw[:32], raw[32:64])


def read_pub_file(path: str) -> PublicKey:
    """A `.pub` file: '#' comments, blank lines and exactly one key line.

    SPEC-GAP: neither document defines the `.pub` file that the test keys
    use; this is the obvious reading of Tests/Vectors/keys/*.pub.
    """
    with open(path, "rb") as f:
        raw = f.read(64 * 1024 + 1)
    if len(raw) > 64 * 1024:
        raise Refusal("not a key line", f"{path}: larger than 64 KiB")
    lines = [l.strip() for l in raw.decode("utf-8").splitlines()]
    keys = [l for l in lines if l and not l.startswith("#")]
    if len(keys) != 1:
        raise Refusal("not a key line", f"{path}: expected exactly one key line, found {len(keys)}")
    return parse_public_key_line(keys[0])


# --------------------------------------------------------------------------
# Strict JSON (FORMAT §4): RFC 8259, no duplicate keys, no lone surrogates,
# nesting at most 64, no NaN/Infinity literals.
# --------------------------------------------------------------------------

_STRING_RE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET_RE = re.compile(r"[\[\]{}]")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


class JSONRefusal(ValueError):
    pass


def _check_depth(text: str) -> None:
    """Nesting depth: the outermost array/object is depth 1; more than 64 is refused.

    SPEC-GAP: "nesting deeper than 64" does not say whether the line's own
    object counts as level 1.  Here it does (so a record's `metadata` object is
    level 2 and may hold 62 further levels).
    """
    depth = 0
    for m in _BRACKET_RE.finditer(_STRING_RE.sub('""', text)):
        if m.group() in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise JSONRefusal(f"nesting deeper than {MAX_JSON_DEPTH}")
        else:
            depth -= 1


def _no_duplicates(pairs):
    obj = {}
    for k, v in pairs:
        if k in obj:   # compared after unescaping: "a" and "\u0061" are the same key
            raise JSONRefusal(f"duplicate object key {k!r}")
        obj[k] = v
    return obj


def _reject_constant(name):
    raise JSONRefusal(f"{name} is not JSON")


def _parse_int(s: str):
    # SPEC-GAP: a number that does not fit a finite IEEE-754 double is
    # refused anywhere in a line (also inside free-form `metadata`/`assets`),
    # though RFC 8259's grammar allows it.  Integers keep their exact value.
    if len(s.lstrip("-")) > 400:
        raise JSONRefusal("number out of range")
    v = int(s)
    try:
        float(v)
    except OverflowError:
        raise JSONRefusal("number out of range") from None
    return v


def _parse_float(s: str):
    v = float(s)
    if not math.isfinite(v):
        raise JSONRefusal("number out of range")
    return v


def _check_surrogates(v) -> None:
    # The text was valid UTF-8, so any surrogate code point left after parsing
    # came from a lone \uD800-\uDFFF escape (Python pairs valid ones itself).
    if isinstance(v, str):
        if _SURROGATE_RE.search(v):
            raise JSONRefusal("lone surrogate in a \\u escape")
    elif isinstance(v, dict):
        for k, x in v.items():
            _check_surrogates(k)
            _check_surrogates(x)
    elif isinstance(v, list):
        for x in v:
            _check_surrogates(x)


class JNum:
    """A JSON number kept as the text it was written with (FORMAT §4.6: a
    number inside a free-form value is signed as its text, `1.0` != `1`)."""
    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __repr__(self):
        return f"JNum({self.text!r})"

    def __eq__(self, other):
        return isinstance(other, JNum) and other.text == self.text

    def __hash__(self):
        return hash(self.text)

    @property
    def is_integer_text(self) -> bool:
        return re.fullmatch(r"-?[0-9]+", self.text) is not None

    def plain(self):
        """int for an integer text (FORMAT §4 "integer"), else the nearest double
        (inf for 1e999, 0.0 for 1e-400)."""
        if self.is_integer_text:
            try:
                return int(self.text)
            except ValueError:             # beyond Python's int-string digit limit
                return float(self.text)
        return float(self.text)


def to_plain(v):
    """Replace every JNum in a parsed value by its int/float value."""
    if isinstance(v, JNum):
        return v.plain()
    if isinstance(v, dict):
        return {k: to_plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [to_plain(x) for x in v]
    return v


def parse_json_strict(text: str, keep_text: bool = False) -> Any:
    """Parse one JSON value (RFC 8259) strictly; raises JSONRefusal.

    keep_text=False (line 1, payload-1 records, key files): numbers become
    int/float and a number beyond a double is refused anywhere (see _parse_int).
    keep_text=True (payload-2 record and tombstone lines): every number is a
    JNum holding its text, never range-checked here (FORMAT §4 "free-form");
    the members of type "finite number" are range-checked by the validators.
    """
    if text.startswith("\ufeff"):
        raise JSONRefusal("byte-order mark")
    _check_depth(text)
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicates,
                           parse_constant=_reject_constant,
                           parse_int=JNum if keep_text else _parse_int,
                           parse_float=JNum if keep_text else _parse_float)
    except JSONRefusal:
        raise
    except (ValueError, RecursionError) as e:
        raise JSONRefusal(f"invalid JSON: {e}") from None
    _check_surrogates(value)
    return value


def dump_json(value: Any, ensure_ascii: bool = False) -> str:
    """Compact JSON as writers emit it (FORMAT §4: no whitespace), UTF-8.
    A JNum is written as its text, verbatim; everything else exactly as
    json.dumps(separators=(",", ":")) writes it."""
    if isinstance(value, JNum):
        return value.text
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(k, ensure_ascii=ensure_ascii) + ":" + dump_json(x, ensure_ascii)
                              for k, x in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(dump_json(x, ensure_ascii) for x in value) + "]"
    return json.dumps(value, ensure_ascii=ensure_ascii, allow_nan=False)


def dump_json_pretty(value: Any) -> str:
    """Indented JSON for sidecars; JNum values are written as their text."""
    texts = []

    def sub(v):
        if isinstance(v, JNum):
            texts.append(v.text)
            return f"\x00JNUM{len(texts) - 1}\x00"
        if isinstance(v, dict):
            return {k: sub(x) for k, x in v.items()}
        if isinstance(v, list):
            return [sub(x) for x in v]
        return v
    out = json.dumps(sub(value), ensure_ascii=False, indent=2)
    for i, t in enumerate(texts):
        out = out.replace(f'"\\u0000JNUM{i}\\u0000"', t, 1)
    return out


# --------------------------------------------------------------------------
# Field type helpers (FORMAT §4.1, §4.2)
# --------------------------------------------------------------------------

def is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def is_finite_number(v) -> bool:
    """A JSON number that is a finite IEEE-754 double.

    SPEC-GAP: "finite number" is taken to mean representable as a finite
    double: 1e999 and a 400-digit integer literal are both refused.
    """
    if not is_number(v):
        return False
    try:
        return math.isfinite(float(v))
    except OverflowError:
        return False


def is_integer(v) -> bool:
    """SPEC-GAP: "integer" is taken to mean a JSON number written without a
    fraction or exponent (so 2.5 and also 2.0 and 2e0 are refused)."""
    return isinstance(v, int) and not isinstance(v, bool)


def utf8_len(s: str) -> int:
    return len(s.encode("utf-8"))


def _bad(detail: str) -> Refusal:
    return Refusal("invalid payload", detail)


def _exact_members(obj, names, what: str, optional=()) -> None:
    """Exactly `names`, plus any of `optional` (FORMAT §4.1 `base`)."""
    if not isinstance(obj, dict):
        raise _bad(f"{what} is not an object")
    missing = [n for n in names if n not in obj]
    extra = [k for k in obj if k not in names and k not in optional]
    if missing:
        raise _bad(f"{what}: missing member {missing[0]!r}")
    if extra:
        raise _bad(f"{what}: unknown member {extra[0]!r}")


def _string(v, what: str, *, min_bytes=0, max_bytes=None, nullable=False):
    if v is None and nullable:
        return
    if not isinstance(v, str):
        raise _bad(f"{what} is not a string" + (" or null" if nullable else ""))
    n = utf8_len(v)
    if n < min_bytes:
        raise _bad(f"{what} is empty" if min_bytes == 1 else f"{what} is shorter than {min_bytes} bytes")
    if max_bytes is not None and n > max_bytes:
        raise _bad(f"{what} is longer than {max_bytes} bytes")


def _string_array(v, what: str):
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise _bad(f"{what} is not an array of strings")


# --------------------------------------------------------------------------
# FORMAT §4.1: line 1, metadata
# --------------------------------------------------------------------------

METADATA_MEMBERS = ("ai_mem_snapshot", "snapshot_id", "created_at", "exporter", "sequence",
                    "recipients", "filters", "count", "embedding")
METADATA_MEMBERS_V2 = METADATA_MEMBERS + ("tombstones",)
# FORMAT §4.1, §4.8: payload 2 only, optional (absent or null: a full snapshot).
METADATA_OPTIONAL_V2 = ("base",)
BASE_MEMBERS = ("snapshot_id", "sequence")


def payload_version(m) -> int:
    """FORMAT §4.1 `ai_mem_snapshot`: the number written exactly 1 or 2."""
    if not isinstance(m, dict):
        raise _bad("metadata is not an object")
    if "ai_mem_snapshot" not in m:
        raise _bad("metadata: missing member 'ai_mem_snapshot'")
    v = m["ai_mem_snapshot"]
    if not is_integer(v) or v not in PAYLOAD_VERSIONS:
        raise _bad(f"unsupported payload version {v!r}")
    return v


def validate_metadata(m, now: Optional[float] = None) -> dict:
    """FORMAT §4.1.  Nested objects are held to exactly their listed members too.

    SPEC-GAP: the spec says "exactly these members" only for the top-level
    object; exporter/filters/embedding are treated the same way (the vectors
    metadata-exporter-extra-field and metadata-filters-missing-tags agree).

    `now` is the reader's clock (payload 2 bounds created_at by it + 1 day).
    """
    v = payload_version(m)
    if v == 1 and "base" in m:
        # FORMAT §4.1 `base`: "refused in payload 1" (null too).
        raise _bad("metadata: base is a payload-2 member (refused in payload 1)")
    optional = METADATA_OPTIONAL_V2 if v == 2 else ()
    _exact_members(m, METADATA_MEMBERS_V2 if v == 2 else METADATA_MEMBERS, "metadata", optional)
    _string(m["snapshot_id"], "snapshot_id", min_bytes=1, max_bytes=MAX_ID_BYTES)
    # SPEC-GAP: metadata created_at is only "number"; required finite here.
    if not is_finite_number(m["created_at"]):
        raise _bad("created_at is not a finite number")
    if v == 2:
        now = time.time() if now is None else now
        ca = float(m["created_at"])
        if not TIME_MIN <= ca <= float(now) + TIME_SKEW:
            raise _bad(f"metadata: created_at {m['created_at']!r} is outside [{TIME_MIN}, "
                       f"the reader's clock + {TIME_SKEW}]")
    ex = m["exporter"]
    _exact_members(ex, ("key_id", "name", "public_key"), "exporter")
    # FORMAT.md §4.1: key_id 16 characters 0-9 a-f, name and public_key strings
    # of 0-200 bytes (public_key is not parsed: it is only shown, never used).
    if not isinstance(ex["key_id"], str) or not HEX16.match(ex["key_id"]):
        raise _bad("exporter.key_id is not 16 lowercase hex digits")
    _string(ex["name"], "exporter.name", max_bytes=200)
    _string(ex["public_key"], "exporter.public_key", max_bytes=200)
    seq = m["sequence"]
    if not is_integer(seq) or seq < 1 or seq > MAX_INT64:
        raise _bad("sequence is not an integer >= 1")
    r = m["recipients"]
    _string_array(r, "recipients")
    if not 1 <= len(r) <= MAX_RECIPIENTS:
        raise _bad(f"recipients: {len(r)} entries (1 to {MAX_RECIPIENTS} allowed)")
    # SPEC-GAP: each entry is required to be a key ID (16 lowercase hex).
    for k in r:
        if not HEX16.match(k):
            raise _bad(f"recipients: {k!r} is not a key ID")
    # "sorted, unique": strictly increasing (byte order == code point order here)
    if any(a >= b for a, b in zip(r, r[1:])):
        raise _bad("recipients are not sorted and unique")
    f = m["filters"]
    _exact_members(f, ("project", "type", "tags", "since"), "filters")
    _string(f["project"], "filters.project", nullable=True)
    _string(f["type"], "filters.type", nullable=True)
    _string_array(f["tags"], "filters.tags")
    if f["since"] is not None and not is_finite_number(f["since"]):
        raise _bad("filters.since is not a number or null")
    c = m["count"]
    if not is_integer(c) or c < 0 or c > MAX_INT64:
        raise _bad("count is not an integer >= 0")
    e = m["embedding"]
    _exact_members(e, ("model", "dim"), "embedding")
    # SPEC-GAP: §4.1 says only "string"; §7's 200-byte model-id limit is
    # applied, and an empty model id is refused as for records.
    _string(e["model"], "embedding.model", min_bytes=1, max_bytes=MAX_ID_BYTES)
    if not is_integer(e["dim"]) or not 1 <= e["dim"] <= MAX_DIM:
        raise _bad(f"embedding.dim is not an integer 1 to {MAX_DIM}")
    if v == 2:
        t = m["tombstones"]
        if not is_integer(t) or t < 0 or t > MAX_INT64:
            raise _bad("tombstones is not an integer >= 0")
        # FORMAT §4.1: count + tombstones at most 2^63-1.
        if c + t > MAX_INT64:
            raise _bad("count + tombstones exceeds 2^63-1")
        validate_base(m.get("base"), seq)
    return m


def validate_base(b, sequence: int) -> None:
    """FORMAT §4.1 `base` (payload 2, already known to be one): absent or null
    for a full snapshot; else an object with exactly `snapshot_id` (a string of
    1-200 bytes) and `sequence` (an integer 1 ... this snapshot's sequence - 1).

    SPEC-GAP: nothing forbids base.snapshot_id equal to this snapshot's own
    snapshot_id; it is accepted (its sequence is lower, so it is not itself)."""
    if b is None:
        return
    _exact_members(b, BASE_MEMBERS, "base")
    _string(b["snapshot_id"], "base.snapshot_id", min_bytes=1, max_bytes=MAX_ID_BYTES)
    s = b["sequence"]
    if not is_integer(s) or not 1 <= s <= sequence - 1:
        raise _bad(f"base.sequence is not an integer 1 to this snapshot's sequence - 1 ({sequence - 1})")


def snapshot_base(meta: dict) -> Optional[dict]:
    """FORMAT §4.8: the base an increment names, or None for a full snapshot
    (payload 1, `base` absent or null)."""
    return meta.get("base") if meta.get("ai_mem_snapshot") == 2 else None


# --------------------------------------------------------------------------
# FORMAT §4.2: lines 2 … count+1, observations
# --------------------------------------------------------------------------

RECORD_MEMBERS = ("id", "session_id", "project", "type", "concept", "title", "content",
                  "summary", "content_hash", "created_at", "updated_at", "importance_score",
                  "tags", "metadata", "diff", "assets", "embedding")
RECORD_MEMBERS_V2 = RECORD_MEMBERS + ("author",)
# FORMAT §4.6: the members a record's author signs, in this order.
SIGNED_RECORD_MEMBERS = ("id", "session_id", "project", "type", "concept", "title", "content",
                         "summary", "content_hash", "created_at", "updated_at", "importance_score",
                         "tags", "metadata", "diff", "assets")
FINITE_MEMBERS = ("created_at", "updated_at", "importance_score", "deleted_at")


def validate_author(a, what: str, *, allow_null_signature: bool) -> None:
    """FORMAT §4.2/§4.5 `author`: exactly {key_id, signature}; key_id 16
    characters 0-9a-f; signature canonical base64 of 64 bytes (or null for a
    record, never for a tombstone)."""
    _exact_members(a, ("key_id", "signature"), what)
    if not isinstance(a["key_id"], str) or not HEX16.match(a["key_id"]):
        raise _bad(f"{what}.key_id is not 16 characters 0-9a-f")
    sig = a["signature"]
    if sig is None:
        if not allow_null_signature:
            raise _bad(f"{what}.signature is null (not allowed for a tombstone)")
        return
    if not isinstance(sig, str):
        raise _bad(f"{what}.signature is not a string or null")
    try:
        raw = b64_decode_strict(sig)
    except ValueError as err:
        raise _bad(f"{what}.signature: {err}") from None
    if len(raw) != SIG_LEN:
        raise _bad(f"{what}.signature holds {len(raw)} bytes, not {SIG_LEN}")


def check_time_bounds(obj, names, metadata: dict) -> None:
    """FORMAT §4.7 (payload 2): between 2000-01-01 and metadata created_at + 1 day."""
    hi = float(metadata["created_at"]) + TIME_SKEW
    for k in names:
        if not TIME_MIN <= float(obj[k]) <= hi:
            raise _bad(f"{k} {obj[k]!r} is outside [{TIME_MIN}, metadata created_at + {TIME_SKEW}]")


def validate_record(r, metadata: dict) -> dict:
    """FORMAT §4.2 (one record line; uniqueness of ids is checked by the caller).
    Payload 2 adds `author` (§4.2) and the time bounds (§4.7).  `r` holds plain
    values (to_plain of a keep_text parse, for payload 2)."""
    v2 = metadata["ai_mem_snapshot"] == 2
    _exact_members(r, RECORD_MEMBERS_V2 if v2 else RECORD_MEMBERS, "record")
    _string(r["id"], "id", min_bytes=1, max_bytes=MAX_ID_BYTES)
    if "\x00" in r["id"]:
        raise _bad("id holds U+0000")
    _string(r["session_id"], "session_id", nullable=True)
    _string(r["project"], "project")      # SPEC-GAP: may be empty (spec: "string")
    _string(r["type"], "type", min_bytes=1)
    _string(r["concept"], "concept", nullable=True)
    _string(r["title"], "title", nullable=True)
    _string(r["content"], "content", min_bytes=1)
    _string(r["summary"], "summary", nullable=True)
    if not isinstance(r["content_hash"], str) or not HEX64.match(r["content_hash"]):
        raise _bad("content_hash is not 64 lowercase hex digits")
    for k in ("created_at", "updated_at", "importance_score"):
        if not is_finite_number(r[k]):
            raise _bad(f"{k} is not a finite number")
    _string_array(r["tags"], "tags")
    if not isinstance(r["metadata"], dict):
        raise _bad("metadata is not an object")
    _string(r["diff"], "diff", nullable=True)
    if not isinstance(r["assets"], list):
        raise _bad("assets is not an array")
    e = r["embedding"]
    if e is not None:
        # SPEC-GAP: exactly {model, dim, vector} is required (no extra member).
        _exact_members(e, ("model", "dim", "vector"), "embedding")
        _string(e["model"], "embedding.model", min_bytes=1, max_bytes=MAX_ID_BYTES)
        dim = e["dim"]
        if not is_integer(dim) or not 1 <= dim <= MAX_DIM:
            raise _bad(f"embedding.dim is not an integer 1 to {MAX_DIM}")
        if e["model"] == metadata["embedding"]["model"] and dim != metadata["embedding"]["dim"]:
            raise _bad(f"embedding.dim {dim} differs from the snapshot model's dim "
                       f"{metadata['embedding']['dim']}")
        try:
            raw = b64_decode_strict(e["vector"])
        except ValueError as err:
            raise _bad(f"embedding.vector: {err}") from None
        if len(raw) != 4 * dim:
            raise _bad(f"embedding.vector holds {len(raw)} bytes, not {4 * dim} (dim {dim})")
        for i, (x,) in enumerate(struct.iter_unpack("<f", raw)):
            if not math.isfinite(x):
                raise _bad(f"embedding.vector[{i}] is not finite")
    if v2:
        validate_author(r["author"], "author", allow_null_signature=True)
        check_time_bounds(r, ("created_at", "updated_at"), metadata)
    return r


TOMBSTONE_MEMBERS = ("id", "deleted_at", "author")


def validate_tombstone(line, metadata: dict) -> dict:
    """FORMAT §4.5: {"tombstone": {id, deleted_at, author}}; returns the inner object."""
    _exact_members(line, ("tombstone",), "tombstone line")
    t = line["tombstone"]
    _exact_members(t, TOMBSTONE_MEMBERS, "tombstone")
    _string(t["id"], "tombstone.id", min_bytes=1, max_bytes=MAX_ID_BYTES)
    if "\x00" in t["id"]:
        raise _bad("tombstone.id holds U+0000")
    if not is_finite_number(t["deleted_at"]):
        raise _bad("tombstone.deleted_at is not a finite number")
    validate_author(t["author"], "tombstone.author", allow_null_signature=False)
    check_time_bounds(t, ("deleted_at",), metadata)
    return t


# --------------------------------------------------------------------------
# FORMAT §4.6: the signed encoding of a record version or a tombstone
# --------------------------------------------------------------------------

def _u32(n: int) -> bytes:
    return struct.pack("<I", n)


def _enc_string(s: str) -> bytes:
    b = s.encode("utf-8")                  # after unescaping; no normalisation
    return b"\x05" + _u32(len(b)) + b


def _enc_finite(v) -> bytes:
    d = float(v.plain() if isinstance(v, JNum) else v)
    if d == 0:
        d = 0.0                            # -0 and 0 sign the same
    return b"\x03" + struct.pack("<d", d)


def _enc_value(v) -> bytes:
    """Tagged encoding of a value whose numbers are free-form (JNum text)."""
    if v is None:
        return b"\x00"
    if v is False:
        return b"\x01"
    if v is True:
        return b"\x02"
    if isinstance(v, JNum):
        t = v.text.encode("ascii")
        return b"\x04" + _u32(len(t)) + t
    if isinstance(v, str):
        return _enc_string(v)
    if isinstance(v, list):
        return b"\x06" + _u32(len(v)) + b"".join(_enc_value(x) for x in v)
    if isinstance(v, dict):
        return b"\x07" + _u32(len(v)) + b"".join(_enc_string(k) + _enc_value(x) for k, x in v.items())
    raise TypeError(f"cannot encode {type(v).__name__} (numbers must keep their text: JNum)")


def record_encoding(raw: dict) -> bytes:
    """FORMAT §4.6: the 16 signed members' values, concatenated in their order.
    `raw` comes from a keep_text parse (free-form numbers as JNum).
    SPEC-GAP: "its members' values in this order" is read as a plain
    concatenation, with no outer tag or member count (likewise for tombstones)."""
    return b"".join(_enc_finite(raw[k]) if k in FINITE_MEMBERS else _enc_value(raw[k])
                    for k in SIGNED_RECORD_MEMBERS)


def tombstone_encoding(raw: dict) -> bytes:
    return _enc_value(raw["id"]) + _enc_finite(raw["deleted_at"])


def author_message(prefix: bytes, author_key_id: str, encoding: bytes) -> bytes:
    """FORMAT §4.6: prefix ‖ 0x00 ‖ key_id (16 ASCII) ‖ BLAKE2b-512(encoding)."""
    return prefix + b"\x00" + author_key_id.encode("ascii") + blake2b([encoding], 64)


# --------------------------------------------------------------------------
# FORMAT §4: splitting the plaintext into lines, as it is decrypted
# --------------------------------------------------------------------------

class LineSplitter:
    """Cuts the NDJSON plaintext into lines as chunks arrive (FORMAT §4).

    Each complete line (without its "\\n") goes to `on_line(number, bytes)`;
    an unterminated line longer than its limit is refused at once, so memory
    stays bounded by the limits of §7.
    """

    def __init__(self, on_line: Callable[[int, bytes], None]):
        self.on_line = on_line
        self.buf = bytearray()
        self.scanned = 0          # bytes of buf already searched for "\n"
        self.line_no = 0          # lines completed so far

    def _limit(self) -> int:
        return MAX_METADATA_LINE if self.line_no == 0 else MAX_OTHER_LINE

    def feed(self, data: bytes) -> None:
        self.buf += data
        while True:
            i = self.buf.find(b"\n", self.scanned)
            if i < 0:
                self.scanned = len(self.buf)
                if len(self.buf) > self._limit():
                    raise _bad(f"line {self.line_no + 1} is longer than {self._limit()} bytes")
                return
            if i > self._limit():
                raise _bad(f"line {self.line_no + 1} is longer than {self._limit()} bytes")
            line = bytes(self.buf[:i])
            del self.buf[:i + 1]
            self.scanned = 0
            self.line_no += 1
            self.on_line(self.line_no, line)

    def finish(self) -> None:
        if self.buf:
            raise _bad("the plaintext does not end with a newline")


def decode_line(number: int, raw: bytes, keep_text: bool = False) -> Any:
    """One NDJSON line: UTF-8, not blank, one strict JSON value (FORMAT §4)."""
    if not raw:
        raise _bad(f"line {number} is blank")
    try:
        text = raw.decode("utf-8")          # strict: overlong, surrogates, > U+10FFFF refused
    except UnicodeDecodeError as e:
        raise _bad(f"line {number}: invalid UTF-8 at byte {e.start}") from None
    try:
        return parse_json_strict(text, keep_text=keep_text)
    except JSONRefusal as e:
        raise _bad(f"line {number}: {e}") from None


# --------------------------------------------------------------------------
# KEYS: secret key files
# --------------------------------------------------------------------------

@dataclass
class Identity:
    name: str
    public: PublicKey
    ed_sk: bytes              # libsodium 64-byte Ed25519 secret key
    x_sk: bytes               # X25519 secret key
    created_at: Optional[float] = None
    retired_at: Optional[float] = None     # KEYS `retired_at` (retired-keys/ files only)
    retired_reason: Optional[str] = None   # KEYS `retired_reason`: "routine" or "compromised"

    @property
    def key_id(self) -> str:
        return self.public.key_id


def identity_from_seeds(name: str, ed_seed: bytes, x_seed: bytes) -> Identity:
    """FORMAT §1: the two key pairs from their seeds."""
    ed_pk, ed_sk = sodium.crypto_sign_seed_keypair(ed_seed)
    x_pk, x_sk = sodium.crypto_box_seed_keypair(x_seed)
    return Identity(name, PublicKey(ed_pk, x_pk), ed_sk, x_sk)


def _kf(detail: str) -> Refusal:
    return Refusal("malformed key file", detail)


# KEYS "Secret key file": the JSON is read with FORMAT §4's rules, "nested at most 4 levels deep".
KEYFILE_MAX_DEPTH = 4
# KEYS `retired_reason`: "routine" or "compromised".
RETIRED_REASONS = ("routine", "compromised")
U64_MAX = (1 << 64) - 1
# FORMAT §1: a reader first removes Unicode White_Space from both ends of a key line.
UNICODE_WHITE_SPACE = ("\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
                       "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


def secret_key_ad(public_key_line: str, opslimit: int, memlimit: int, salt: bytes) -> bytes:
    """KEYS: associated data of the encrypted secret (the canonical key line)."""
    return (SECRET_KEY_AD_PREFIX + public_key_line.encode("ascii") + b"\x00" + b"argon2id13\x00"
            + struct.pack("<QQ", opslimit, memlimit) + salt)


def _keyfile_no_duplicates(pairs):
    """FORMAT §4: keys are duplicates when equal after unescaping, compared by
    Unicode canonical equivalence ("\\u00e9" and "e\\u0301" too)."""
    obj, seen = {}, set()
    for k, v in pairs:
        n = unicodedata.normalize("NFC", k)
        if n in seen:
            raise JSONRefusal(f"duplicate object key {k!r}")
        seen.add(n)
        obj[k] = v
    return obj


def _json_depth(v) -> int:
    if isinstance(v, dict):
        return 1 + max((_json_depth(x) for x in v.values()), default=0)
    if isinstance(v, list):
        return 1 + max((_json_depth(x) for x in v), default=0)
    return 0


def _parse_keyfile_json(raw: bytes) -> Any:
    """KEYS: FORMAT §4's JSON rules (UTF-8, RFC 8259, no duplicate keys, any
    number's magnitude is valid syntax; line breaks are whitespace here), nested
    at most 4 levels.  Numbers are kept as their text (JNum)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise JSONRefusal(f"invalid UTF-8 at byte {e.start}") from None
    if text[:1] == "\ufeff":
        raise JSONRefusal("a byte-order mark before the object")
    _check_depth(text)          # at most 64 before parsing, so the parser cannot recurse deeply
    try:
        value = json.loads(text, parse_constant=_reject_constant, parse_int=JNum, parse_float=JNum,
                           object_pairs_hook=_keyfile_no_duplicates)
    except JSONRefusal:
        raise
    except (ValueError, RecursionError) as e:
        raise JSONRefusal(f"invalid JSON: {e}") from None
    _check_surrogates(value)
    if _json_depth(value) > KEYFILE_MAX_DEPTH:
        raise JSONRefusal(f"nested deeper than {KEYFILE_MAX_DEPTH} levels")
    return value


def _u64_member(obj: dict, k: str) -> int:
    """KEYS `kdf`: an integer (no fraction or exponent) of 0 … 2⁶⁴−1; a larger one is malformed."""
    v = obj.get(k)
    if not isinstance(v, JNum) or not v.is_integer_text:
        raise _kf(f"kdf.{k} is not an integer")
    digits = v.text.lstrip("-")
    if len(digits.lstrip("0")) > 20:        # before int(): a 10 000-digit text is simply too large
        raise _kf(f"kdf.{k} is above 2^64-1")
    n = int(v.text)                         # "-0" reads as 0 (FORMAT §4 "integer")
    if n < 0 or n > U64_MAX:
        raise _kf(f"kdf.{k} {v.text} is outside 0 … 2^64-1")
    return n


def _b64url_member(obj: dict, k: str, what: str) -> bytes:
    """A member holding strict base64url (FORMAT: canonical, unpadded)."""
    if not isinstance(obj.get(k), str):
        raise _kf(f"{what} is missing or not a string")
    try:
        return b64url_decode(obj[k])
    except ValueError as e:
        raise _kf(f"{what}: {e}") from None


def load_secret_key(path: str, passphrase: Optional[str] = None, *, check_mode: bool = True) -> Identity:
    """KEYS "Secret key file" and "Reading a key file", checks 1–11 in order.

    Only the members KEYS lists are read; any other member, at the top or
    inside `kdf`, is ignored, and with `"protection": "none"` `kdf` and `nonce`
    are not read at all.

    Error classes (check-vectors maps them to the manifest's Swift names):
    "malformed key file" (malformedKeyFile), "insecure permissions"
    (insecureKeyFile), "work factor too high" (workFactorTooHigh),
    "passphrase required", "wrong passphrase" (wrongPassphrase).

    `check_mode=False` skips the mode check: git does not keep file modes, so
    the committed TEST-ONLY keys are 0644 in a checkout.
    """
    # 1. open without following a symbolic link (O_NONBLOCK: a FIFO must not block the open)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        if e.errno == errno.ELOOP and os.path.islink(path):
            raise _kf("a symbolic link (not followed)") from None
        raise                               # an I/O error, not a verdict on the file
    try:
        # 2. fstat of that open file: a regular file
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _kf("not a regular file")
        # SPEC-GAP (kept): KEYS check 3 (owner) is not made, and check 4 looks at the
        # group/other read bits only, where KEYS refuses every bit of mode & 0o077.
        if check_mode and st.st_mode & (stat.S_IRGRP | stat.S_IROTH):
            raise Refusal("insecure permissions", f"{path} is readable by group or others (chmod 600)")
        # 4a. at most 64 KiB, by fstat and again on the bytes read
        if st.st_size > SECRET_KEY_MAX:
            raise _kf("larger than 64 KiB")
        chunks, n = [], 0
        while n <= SECRET_KEY_MAX:
            b = os.read(fd, SECRET_KEY_MAX + 1 - n)
            if not b:
                break
            chunks.append(b)
            n += len(b)
        raw = b"".join(chunks)
    finally:
        os.close(fd)
    if len(raw) > SECRET_KEY_MAX:
        raise _kf("larger than 64 KiB")

    # 5. JSON, an object; ai_mem_secret_key; name; public_key; key_id; secret; protection
    try:
        obj = _parse_keyfile_json(raw)
    except JSONRefusal as e:
        raise _kf(f"not JSON: {e}") from None
    if not isinstance(obj, dict):
        raise _kf("not a JSON object")
    version = obj.get("ai_mem_secret_key")
    if not (isinstance(version, JNum) and version.text == "1"):
        shown = version.text if isinstance(version, JNum) else repr(version)
        raise _kf(f"unknown format version {shown} (ai_mem_secret_key must be written exactly 1)")
    name = obj.get("name")
    if not isinstance(name, str):
        raise _kf("name is missing or not a string")
    pk_text = obj.get("public_key")
    if not isinstance(pk_text, str):
        raise _kf("public_key is missing or not a string")
    try:
        public = parse_public_key_line(pk_text.strip(UNICODE_WHITE_SPACE))
    except Refusal as e:
        raise _kf(f"public_key: {e.cls}: {e.detail}") from None
    kid = obj.get("key_id")
    if isinstance(kid, str) and kid != public.key_id:   # absent or of another type: ignored
        raise _kf(f"key_id {kid!r} does not match public_key ({public.key_id})")
    secret = _b64url_member(obj, "secret", "secret")
    protection = obj.get("protection")
    if not isinstance(protection, str) or protection not in ("argon2id", "none"):
        raise _kf(f"unknown protection {protection!r}")
    # SPEC-GAP: "Reading a key file" does not place created_at, retired_at and
    # retired_reason among the checks; the last two are checked here, at the end
    # of check 5's members and before "reading ends here" for `none`.
    created = obj.get("created_at")
    created_at = created.plain() if isinstance(created, JNum) else 0   # absent or not a number: 0
    if ("retired_at" in obj) != ("retired_reason" in obj):
        raise _kf("retired_at and retired_reason must be given together")
    retired_at = retired_reason = None
    if "retired_at" in obj:
        if not isinstance(obj["retired_at"], JNum):
            raise _kf("retired_at is not a number")
        if not isinstance(obj["retired_reason"], str) or obj["retired_reason"] not in RETIRED_REASONS:
            raise _kf(f"retired_reason {obj['retired_reason']!r} is not \"routine\" or \"compromised\"")
        retired_at, retired_reason = obj["retired_at"].plain(), obj["retired_reason"]

    if protection == "none":
        if len(secret) != 64:
            raise _kf(f"secret of {len(secret)} bytes, not 64")
        seeds = secret                      # reading ends here: kdf and nonce are not read
    else:
        kdf = obj.get("kdf")
        if not isinstance(kdf, dict):
            raise _kf("kdf is missing or not an object")
        if not isinstance(kdf.get("algorithm"), str) or kdf["algorithm"] != "argon2id13":
            raise _kf(f"unknown algorithm {kdf.get('algorithm')!r}")
        opslimit = _u64_member(kdf, "opslimit")
        memlimit = _u64_member(kdf, "memlimit")
        # 6. not too much work
        if opslimit > sodium.crypto_pwhash_argon2id_OPSLIMIT_SENSITIVE:
            raise Refusal("work factor too high", f"opslimit {opslimit} above OPSLIMIT_SENSITIVE")
        if memlimit > sodium.crypto_pwhash_argon2id_MEMLIMIT_SENSITIVE:
            raise Refusal("work factor too high", f"memlimit {memlimit} above MEMLIMIT_SENSITIVE")
        # 7. libsodium's minimums; salt, nonce, secret
        if opslimit < sodium.crypto_pwhash_argon2id_OPSLIMIT_MIN:
            raise _kf(f"opslimit {opslimit} below OPSLIMIT_MIN")
        if memlimit < sodium.crypto_pwhash_argon2id_MEMLIMIT_MIN:
            raise _kf(f"memlimit {memlimit} below MEMLIMIT_MIN")
        salt = _b64url_member(kdf, "salt", "kdf.salt")
        if len(salt) != 16:
            raise _kf(f"salt of {len(salt)} bytes, not 16")
        nonce = _b64url_member(obj, "nonce", "nonce")
        if len(nonce) != 24:
            raise _kf(f"nonce of {len(nonce)} bytes, not 24")
        want = 64 + sodium.crypto_aead_xchacha20poly1305_ietf_ABYTES
        if len(secret) != want:
            raise _kf(f"secret of {len(secret)} bytes, not {want}")
        # 8. a passphrase (KEYS "Passphrase sources": an empty one is refused)
        if passphrase is None:
            raise Refusal("passphrase required", f"{path} is protected by a passphrase")
        if passphrase == "":
            raise Refusal("passphrase required", "an empty passphrase is refused")
        # 9. the derivation (a failure, e.g. out of memory, is raised as PyNaCl's exception)
        key = sodium.crypto_pwhash_alg(32, passphrase.encode("utf-8"), salt, opslimit, memlimit,
                                       sodium.crypto_pwhash_ALG_ARGON2ID13)
        # 10. the AEAD decryption, bound to the canonical key line and the work factors
        try:
            seeds = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
                secret, secret_key_ad(public.line, opslimit, memlimit, salt), nonce, key)
        except nacl.exceptions.CryptoError:
            raise Refusal("wrong passphrase",
                          f"wrong passphrase for key {public.key_id} (or a tampered file)") from None
    # 11. the seeds derive exactly the recorded public keys.
    # KEYS names this class `secretDoesNotMatchKey`; this reader reports it as
    # "malformed key file", as it always has.
    ident = identity_from_seeds(name, seeds[:32], seeds[32:])
    if ident.public != public:
        raise _kf(f"the secret of key {public.key_id} does not give the public key it records")
    ident.created_at = created_at
    ident.retired_at, ident.retired_reason = retired_at, retired_reason
    return ident


# --------------------------------------------------------------------------
# KEYS: keyring file
# --------------------------------------------------------------------------

@dataclass
class PreviousKey:
    """KEYS `previous_key`: a key the entry held before a rotation."""
    public: PublicKey
    until: int              # valid for snapshots made by this second (the date, rounded down)
    compromised: bool       # `compromised`: never valid
    line: int

    @property
    def key_id(self) -> str:
        return self.public.key_id


@dataclass
class KeyringEntry:
    name: str
    public: PublicKey
    status: str             # "trusted" (also when absent), "revoked" or "disputed"
    fields: dict            # the fields given once: name -> value (as read, trimmed)
    line: int
    previous: list = field(default_factory=list)     # [PreviousKey], oldest first (file order)
    candidates: list = field(default_factory=list)   # [PublicKey], file order
    confirmed_key: Optional[str] = None              # a key ID (KEYS "Key history": the anchor)

    @property
    def key_id(self) -> str:
        return self.public.key_id

    @property
    def mine(self) -> bool:
        """KEYS: `mine = true`, another device of the reader (FORMAT §6.3)."""
        return self.fields.get("mine") == "true"

    @property
    def revoked_reason(self) -> Optional[str]:
        """KEYS: ignored in a trusted entry; TAB, U+2028, U+2029 become spaces; empty is none."""
        if self.status == "trusted" or "revoked_reason" not in self.fields:
            return None
        r = re.sub("[\t\u2028\u2029]", " ", self.fields["revoked_reason"])
        return r or None

    def chain(self) -> list:
        """KEYS "Key history": the previous keys, oldest first, then the current key."""
        return [p.public for p in self.previous] + [self.public]


KEYRING_FIELDS = ("public_key", "key_id", "added_at", "status", "revoked_at", "revoked_reason",
                  "rotated_from", "rotated_at", "mine", "previous_key", "candidate_key", "confirmed_key")
KEYRING_REPEATABLE = ("previous_key", "candidate_key")
KEYRING_STATUSES = ("trusted", "revoked", "disputed")
# KEYS: "white space (space, tab and the other Unicode space separators, Zs)".
# The Zs code points (unchanged since Unicode 4.0.1).
KEYRING_WS = "\t\u0020\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
# KEYS rule 1: Unicode Cc (U+0000-U+001F, U+007F-U+009F) other than TAB.
CONTROL_RE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")
# KEYS: lines end at each LF that is not preceded by a CR.
KEYRING_LINE_END = re.compile(r"(?<!\r)\n")
# KEYS `previous_key`: "the parts separated by spaces or tabs".
PREVIOUS_KEY_SEP = re.compile(r"[ \t]+")
PREVIOUS_KEY_FORM = "previous_key must be `<public-key line> <date>` or `<public-key line> <date> compromised`"
# KEYS "A date": YYYY-MM-DD, optionally T or a space and hh:mm:ss, optionally
# a fraction of 1-9 digits, optionally Z or +hh:mm/-hh:mm.  SPEC-GAP: the
# fraction and the zone are read as parts of the time (no `2026-10-20Z`), and
# a zone offset's hours and minutes as 00-23 and 00-59.
DATE_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})"
                     r"(?:[T ]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.[0-9]{1,9})?"
                     r"(?:Z|([+-])([0-9]{2}):([0-9]{2}))?)?\Z")
NAME_PUNCTUATION = "._-@+"

# The code points with the Unicode property Alphabetic that are not of general
# category L* or Nl (that is, Other_Alphabetic), Unicode 14.0 -- the version of
# Python 3.11's unicodedata; generated from the UCD property (perl 5.36's
# \p{Alphabetic}, Unicode 14.0) since the standard library has no such lookup.
# Alphabetic = Lu + Ll + Lt + Lm + Lo + Nl + Other_Alphabetic.
_OTHER_ALPHABETIC = (
    (0x345, 0x345), (0x5B0, 0x5BD), (0x5BF, 0x5BF), (0x5C1, 0x5C2), (0x5C4, 0x5C5), (0x5C7, 0x5C7),
    (0x610, 0x61A), (0x64B, 0x657), (0x659, 0x65F), (0x670, 0x670), (0x6D6, 0x6DC), (0x6E1, 0x6E4),
    (0x6E7, 0x6E8), (0x6ED, 0x6ED), (0x711, 0x711), (0x730, 0x73F), (0x7A6, 0x7B0), (0x816, 0x817),
    (0x81B, 0x823), (0x825, 0x827), (0x829, 0x82C), (0x8D4, 0x8DF), (0x8E3, 0x8E9), (0x8F0, 0x903),
    (0x93A, 0x93B), (0x93E, 0x94C), (0x94E, 0x94F), (0x955, 0x957), (0x962, 0x963), (0x981, 0x983),
    (0x9BE, 0x9C4), (0x9C7, 0x9C8), (0x9CB, 0x9CC), (0x9D7, 0x9D7), (0x9E2, 0x9E3), (0xA01, 0xA03),
    (0xA3E, 0xA42), (0xA47, 0xA48), (0xA4B, 0xA4C), (0xA51, 0xA51), (0xA70, 0xA71), (0xA75, 0xA75),
    (0xA81, 0xA83), (0xABE, 0xAC5), (0xAC7, 0xAC9), (0xACB, 0xACC), (0xAE2, 0xAE3), (0xAFA, 0xAFC),
    (0xB01, 0xB03), (0xB3E, 0xB44), (0xB47, 0xB48), (0xB4B, 0xB4C), (0xB56, 0xB57), (0xB62, 0xB63),
    (0xB82, 0xB82), (0xBBE, 0xBC2), (0xBC6, 0xBC8), (0xBCA, 0xBCC), (0xBD7, 0xBD7), (0xC00, 0xC03),
    (0xC3E, 0xC44), (0xC46, 0xC48), (0xC4A, 0xC4C), (0xC55, 0xC56), (0xC62, 0xC63), (0xC81, 0xC83),
    (0xCBE, 0xCC4), (0xCC6, 0xCC8), (0xCCA, 0xCCC), (0xCD5, 0xCD6), (0xCE2, 0xCE3), (0xD00, 0xD03),
    (0xD3E, 0xD44), (0xD46, 0xD48), (0xD4A, 0xD4C), (0xD57, 0xD57), (0xD62, 0xD63), (0xD81, 0xD83),
    (0xDCF, 0xDD4), (0xDD6, 0xDD6), (0xDD8, 0xDDF), (0xDF2, 0xDF3), (0xE31, 0xE31), (0xE34, 0xE3A),
    (0xE4D, 0xE4D), (0xEB1, 0xEB1), (0xEB4, 0xEB9), (0xEBB, 0xEBC), (0xECD, 0xECD), (0xF71, 0xF81),
    (0xF8D, 0xF97), (0xF99, 0xFBC), (0x102B, 0x1036), (0x1038, 0x1038), (0x103B, 0x103E),
    (0x1056, 0x1059), (0x105E, 0x1060), (0x1062, 0x1064), (0x1067, 0x106D), (0x1071, 0x1074),
    (0x1082, 0x108D), (0x108F, 0x108F), (0x109A, 0x109D), (0x1712, 0x1713), (0x1732, 0x1733),
    (0x1752, 0x1753), (0x1772, 0x1773), (0x17B6, 0x17C8), (0x1885, 0x1886), (0x18A9, 0x18A9),
    (0x1920, 0x192B), (0x1930, 0x1938), (0x1A17, 0x1A1B), (0x1A55, 0x1A5E), (0x1A61, 0x1A74),
    (0x1ABF, 0x1AC0), (0x1ACC, 0x1ACE), (0x1B00, 0x1B04), (0x1B35, 0x1B43), (0x1B80, 0x1B82),
    (0x1BA1, 0x1BA9), (0x1BAC, 0x1BAD), (0x1BE7, 0x1BF1), (0x1C24, 0x1C36), (0x1DE7, 0x1DF4),
    (0x24B6, 0x24E9), (0x2DE0, 0x2DFF), (0xA674, 0xA67B), (0xA69E, 0xA69F), (0xA802, 0xA802),
    (0xA80B, 0xA80B), (0xA823, 0xA827), (0xA880, 0xA881), (0xA8B4, 0xA8C3), (0xA8C5, 0xA8C5),
    (0xA8FF, 0xA8FF), (0xA926, 0xA92A), (0xA947, 0xA952), (0xA980, 0xA983), (0xA9B4, 0xA9BF),
    (0xA9E5, 0xA9E5), (0xAA29, 0xAA36), (0xAA43, 0xAA43), (0xAA4C, 0xAA4D), (0xAA7B, 0xAA7D),
    (0xAAB0, 0xAAB0), (0xAAB2, 0xAAB4), (0xAAB7, 0xAAB8), (0xAABE, 0xAABE), (0xAAEB, 0xAAEF),
    (0xAAF5, 0xAAF5), (0xABE3, 0xABEA), (0xFB1E, 0xFB1E), (0x10376, 0x1037A), (0x10A01, 0x10A03),
    (0x10A05, 0x10A06), (0x10A0C, 0x10A0F), (0x10D24, 0x10D27), (0x10EAB, 0x10EAC),
    (0x11000, 0x11002), (0x11038, 0x11045), (0x11073, 0x11074), (0x11082, 0x11082),
    (0x110B0, 0x110B8), (0x110C2, 0x110C2), (0x11100, 0x11102), (0x11127, 0x11132),
    (0x11145, 0x11146), (0x11180, 0x11182), (0x111B3, 0x111BF), (0x111CE, 0x111CF),
    (0x1122C, 0x11234), (0x11237, 0x11237), (0x1123E, 0x1123E), (0x112DF, 0x112E8),
    (0x11300, 0x11303), (0x1133E, 0x11344), (0x11347, 0x11348), (0x1134B, 0x1134C),
    (0x11357, 0x11357), (0x11362, 0x11363), (0x11435, 0x11441), (0x11443, 0x11445),
    (0x114B0, 0x114C1), (0x115AF, 0x115B5), (0x115B8, 0x115BE), (0x115DC, 0x115DD),
    (0x11630, 0x1163E), (0x11640, 0x11640), (0x116AB, 0x116B5), (0x1171D, 0x1172A),
    (0x1182C, 0x11838), (0x11930, 0x11935), (0x11937, 0x11938), (0x1193B, 0x1193C),
    (0x11940, 0x11940), (0x11942, 0x11942), (0x119D1, 0x119D7), (0x119DA, 0x119DF),
    (0x119E4, 0x119E4), (0x11A01, 0x11A0A), (0x11A35, 0x11A39), (0x11A3B, 0x11A3E),
    (0x11A51, 0x11A5B), (0x11A8A, 0x11A97), (0x11C2F, 0x11C36), (0x11C38, 0x11C3E),
    (0x11C92, 0x11CA7), (0x11CA9, 0x11CB6), (0x11D31, 0x11D36), (0x11D3A, 0x11D3A),
    (0x11D3C, 0x11D3D), (0x11D3F, 0x11D41), (0x11D43, 0x11D43), (0x11D47, 0x11D47),
    (0x11D8A, 0x11D8E), (0x11D90, 0x11D91), (0x11D93, 0x11D96), (0x11EF3, 0x11EF6),
    (0x16F4F, 0x16F4F), (0x16F51, 0x16F87), (0x16F8F, 0x16F92), (0x16FF0, 0x16FF1),
    (0x1BC9E, 0x1BC9E), (0x1E000, 0x1E006), (0x1E008, 0x1E018), (0x1E01B, 0x1E021),
    (0x1E023, 0x1E024), (0x1E026, 0x1E02A), (0x1E947, 0x1E947), (0x1F130, 0x1F149),
    (0x1F150, 0x1F169), (0x1F170, 0x1F189),
)
_OTHER_ALPHABETIC_STARTS = [a for a, _ in _OTHER_ALPHABETIC]


def _is_alphabetic(c: str) -> bool:
    if unicodedata.category(c) in ("Lu", "Ll", "Lt", "Lm", "Lo", "Nl"):
        return True
    i = bisect.bisect_right(_OTHER_ALPHABETIC_STARTS, ord(c)) - 1
    return i >= 0 and _OTHER_ALPHABETIC[i][0] <= ord(c) <= _OTHER_ALPHABETIC[i][1]


def _hangul_kind(o: int) -> Optional[str]:
    if 0x1100 <= o <= 0x115F or 0xA960 <= o <= 0xA97C:
        return "L"
    if 0x1160 <= o <= 0x11A7 or 0xD7B0 <= o <= 0xD7C6:
        return "V"
    if 0x11A8 <= o <= 0x11FF or 0xD7CB <= o <= 0xD7FB:
        return "T"
    if 0xAC00 <= o <= 0xD7A3:
        return "LV" if (o - 0xAC00) % 28 == 0 else "LVT"
    return None


_HANGUL_JOINS = {("L", "L"), ("L", "V"), ("L", "LV"), ("L", "LVT"), ("LV", "V"), ("LV", "T"),
                 ("V", "V"), ("V", "T"), ("LVT", "T"), ("T", "T")}


def grapheme_count(s: str) -> int:
    """The number of grapheme clusters of a name.  SPEC-GAP (an approximation:
    the standard library has no UAX #29): a combining mark (category M*) and a
    Hangul jamo that conjoins with the one before it start no new cluster.
    Names hold only letters, digits and `. _ - @ +`, where this differs from
    UAX #29 only for a few Prepend and Thai/Lao/Myanmar code points."""
    n, prev = 0, None
    for c in s:
        kind = _hangul_kind(ord(c))
        if not (n and (unicodedata.category(c)[0] == "M" or (prev, kind) in _HANGUL_JOINS)):
            n += 1
        prev = kind
    return n


def valid_keyring_name(name: str) -> bool:
    """KEYS "A name" (what a keyring reader accepts): 1-64 grapheme clusters,
    each code point Alphabetic, Nd, or one of `. _ - @ +`."""
    if not all(c in NAME_PUNCTUATION or unicodedata.category(c) == "Nd" or _is_alphabetic(c) for c in name):
        return False
    return 1 <= grapheme_count(name) <= 64


def _days_from_civil(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date."""
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468


def parse_date(s: str) -> Optional[int]:
    """KEYS "A date", read as seconds rounded down to a whole second; None if not a date."""
    m = DATE_RE.match(s)
    if not m:
        return None
    y, mo, d = int(m[1]), int(m[2]), int(m[3])
    leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
    if not 1 <= mo <= 12 or not 1 <= d <= (31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[mo - 1]:
        return None
    hh, mi, ss = (int(m[i]) if m[i] else 0 for i in (4, 5, 6))
    if hh > 23 or mi > 59 or ss > 60:
        return None
    offset = 0
    if m[7]:
        oh, om = int(m[8]), int(m[9])
        if oh > 23 or om > 59:
            return None
        offset = (oh * 3600 + om * 60) * (1 if m[7] == "+" else -1)
    # the fraction only adds less than a second to a whole number: dropping it rounds down
    return _days_from_civil(y, mo, d) * 86400 + hh * 3600 + mi * 60 + ss - offset


def _valid_date(s: str) -> bool:
    return parse_date(s) is not None


def format_date(t: int) -> str:
    try:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
    except (OverflowError, OSError, ValueError):
        return f"{t} s"


def parse_keyring(text_bytes: bytes) -> list:
    """KEYS "Keyring file": strict; any error names its line ("malformed keyring").

    The lines are read as KEYS rules 1-4 say; a section's checks (KEYS 1-7)
    run when it is completed, at the next header or at the end of the file.
    """
    def err(line, why):
        return Refusal("malformed keyring", f"line {line}: {why}", line=line)

    if len(text_bytes) > KEYRING_MAX:
        raise err(1, "larger than 1 MiB (1 048 576 bytes)")
    try:
        text = text_bytes.decode("utf-8")
    except UnicodeDecodeError:
        raise err(1, "not valid UTF-8") from None
    if text.startswith("\ufeff"):
        text = text[1:]                                  # a leading BOM is dropped
    entries = []
    names = set()    # NFC of every section's name: names are compared by canonical equivalence
    holders = {}     # (Ed25519, X25519) -> name, every key of every completed section, in every role
    cur = None       # (name, header line, {field: (value, line)}, {repeatable field: [(value, line)]})

    def close(section):
        if section is None:
            return
        name, hline, f, rep = section

        def serr(line, why):
            return err(line, f"[{name}]: {why}")

        if "public_key" not in f:                                               # 1
            raise serr(hline, "no public_key")
        vline = f["public_key"][1]
        try:                                                                    # 2
            pk = parse_public_key_line(f["public_key"][0])
        except Refusal as e:
            raise serr(vline, f"public_key: {e.cls} ({e.detail})") from None
        if "key_id" in f and f["key_id"][0] != pk.key_id:                      # 3
            raise serr(f["key_id"][1], f"key_id {f['key_id'][0]} does not match the key ({pk.key_id})")
        if "added_at" in f and not _valid_date(f["added_at"][0]):             # 4
            raise serr(f["added_at"][1], f"added_at: {f['added_at'][0]!r} is not a date")
        status = f["status"][0] if "status" in f else "trusted"               # 5
        # SPEC-GAP: check 5 lists `trusted`, absent or `revoked`; the field
        # table (and the vectors) allow `disputed` too.
        if status not in KEYRING_STATUSES:
            raise serr(f["status"][1], f"unknown status {status!r} (trusted, revoked or disputed)")
        if status == "revoked":
            if "revoked_at" not in f:
                raise serr(hline, "the entry is revoked and needs revoked_at")
            if not _valid_date(f["revoked_at"][0]):
                raise serr(f["revoked_at"][1], f"revoked_at: {f['revoked_at'][0]!r} is not a date")
        halves = (pk.ed25519, pk.x25519)
        if halves in holders:                                                   # 6
            raise serr(vline, f"the same key is already listed as {holders[halves]}")
        keys_here = [halves]       # this section's keys so far: public_key, then the others in order

        def unique(k: PublicKey, line: int) -> None:
            h = (k.ed25519, k.x25519)
            if h in holders:
                raise serr(line, f"the same key is already listed as {holders[h]}")
            if h in keys_here:
                raise serr(line, "the same key is listed twice in this entry")
            keys_here.append(h)

        previous = []                                                           # 6a
        for value, line in rep["previous_key"]:
            parts = PREVIOUS_KEY_SEP.split(value)
            if not (len(parts) == 2 or (len(parts) == 3 and parts[2] == "compromised")):
                raise serr(line, PREVIOUS_KEY_FORM)
            try:
                ppk = parse_public_key_line(parts[0])
            except Refusal as e:
                # SPEC-GAP: KEYS names no reason for a previous_key whose key
                # line fails FORMAT §1; this gives the form and the §1 problem.
                raise serr(line, f"{PREVIOUS_KEY_FORM}: its key: {e.cls} ({e.detail})") from None
            until = parse_date(parts[1])
            if until is None:
                raise serr(line, f"previous_key: {parts[1]!r} is not a date")
            unique(ppk, line)
            previous.append(PreviousKey(ppk, until, len(parts) == 3, line))
        candidates = []
        for value, line in rep["candidate_key"]:
            # SPEC-GAP: KEYS does not place this check among 1-7; it is made
            # here, first of a candidate_key's checks.
            if status != "disputed":
                raise serr(line, "candidate_key in an entry that is not disputed")
            try:
                cpk = parse_public_key_line(value)
            except Refusal as e:
                raise serr(line, f"candidate_key: {e.cls} ({e.detail})") from None
            unique(cpk, line)
            candidates.append(cpk)
        confirmed = None
        if "confirmed_key" in f:                                                # 6b
            confirmed, cline = f["confirmed_key"]
            if confirmed not in [pk.key_id] + [p.key_id for p in previous]:
                raise serr(cline, f"confirmed_key {confirmed} is the key ID of neither the public_key "
                                  f"nor a previous_key")
        if "rotated_at" in f and not _valid_date(f["rotated_at"][0]):         # 7
            raise serr(f["rotated_at"][1], f"rotated_at: {f['rotated_at'][0]!r} is not a date")
        # SPEC-GAP: KEYS says a `mine` other than `true` is malformed, naming
        # the line, but not among which checks; it is made last here.
        if "mine" in f and f["mine"][0] != "true":
            raise serr(f["mine"][1], f"mine must be exactly true, not {f['mine'][0]!r}")
        for h in keys_here:
            holders[h] = name
        entries.append(KeyringEntry(name, pk, status, {k: v for k, (v, _) in f.items()}, hline,
                                    previous, candidates, confirmed))

    for no, piece in enumerate(KEYRING_LINE_END.split(text), 1):
        s = piece.strip(KEYRING_WS).strip("\r")           # white space, then CRs, from both ends
        if CONTROL_RE.search(s):                                                # rule 1
            raise err(no, "a control character")
        if not s or s.startswith("#"):                                          # rule 2
            continue
        if s.startswith("["):                                                   # rule 3
            if not (s.endswith("]") and len(s) >= 3):
                raise err(no, "a section header must look like [name]")
            close(cur)
            cur = None
            name = s[1:-1]                                # as it is, not trimmed
            if not valid_keyring_name(name):
                raise err(no, f"invalid name {name!r}")
            if unicodedata.normalize("NFC", name) in names:
                raise err(no, f"duplicate name [{name}]")
            names.add(unicodedata.normalize("NFC", name))
            cur = (name, no, {}, {k: [] for k in KEYRING_REPEATABLE})
            continue
        if "=" not in s:                                                        # rule 4
            raise err(no, "expected `field = value` or [name]")
        if cur is None:
            raise err(no, "a field before any [name] section")
        k, v = s.split("=", 1)
        k, v = k.strip(KEYRING_WS), v.strip(KEYRING_WS)
        if k not in KEYRING_FIELDS:
            raise err(no, f"unknown field {k!r}")
        if k in KEYRING_REPEATABLE:
            cur[3][k].append((v, no))
            continue
        if k in cur[2]:
            raise err(no, f"field {k} given twice")
        cur[2][k] = (v, no)
    close(cur)
    return entries


def load_keyring(path: str) -> list:
    with open(path, "rb") as f:
        raw = f.read(KEYRING_MAX + 1)
    return parse_keyring(raw)


# --------------------------------------------------------------------------
# FORMAT §6: the reader
# --------------------------------------------------------------------------

@dataclass
class Reader:
    """Who reads: identity (current first, then retired ones) and keyring."""
    identities: list            # [Identity], current first (FORMAT §6 step 2)
    keyring: list               # [KeyringEntry]
    clock: Callable[[], float] = time.time     # the reader's clock (FORMAT §4.1, payload 2)

    def own_key_ids(self) -> set:
        """FORMAT §6.3 "the reader's own keys": current and retired keys, and
        the keyring entries marked `mine` (KEYS: a revoked `mine` entry is no
        longer one of your keys)."""
        return ({i.key_id for i in self.identities}
                | {e.key_id for e in self.keyring if e.mine and e.status != "revoked"})

    def keyring_key(self, key_id_: str):
        """KEYS "What each key may sign": the entry holding the key in some role,
        as (entry, role, PublicKey) with role "current", its PreviousKey, or
        "candidate"; None when no entry holds it."""
        for e in self.keyring:
            if e.key_id == key_id_:
                return e, "current", e.public
            for p in e.previous:
                if p.key_id == key_id_:
                    return e, p, p.public
            for c in e.candidates:
                if c.key_id == key_id_:
                    return e, "candidate", c
        return None

    def author_key(self, key_id_: str, made_at) -> Optional[bytes]:
        """KEYS "What each key may sign", for the author of a relayed payload-2
        line made at `made_at` (its updated_at, or a tombstone's deleted_at):
        the Ed25519 key when the key may author it, else None (`unknown author`).
        Own keys (current, retired) are accepted as before (retirement reasons
        and times are not modelled)."""
        for i in self.identities:
            if i.key_id == key_id_:
                return i.public.ed25519
        found = self.keyring_key(key_id_)
        if found is None or keyring_key_refusal(*found, made_at) is not None:
            return None
        return found[2].ed25519

    def person(self, key_id_: Optional[str]):
        """KEYS (author rule): all keys of one entry, previous and current, are
        one person; the reader's own keys are one (FORMAT §6.3).  None (a row
        of the reader's own, unsigned) is the reader."""
        own = self.own_key_ids()
        if key_id_ is None or key_id_ in own:
            return ("own",)
        for e in self.keyring:
            if key_id_ == e.key_id or any(p.key_id == key_id_ for p in e.previous):
                return ("own",) if e.key_id in own else ("entry", e.name)
        return ("key", key_id_)


def keyring_key_refusal(entry: KeyringEntry, role, key: PublicKey, made_at,
                        what: str = "snapshot") -> Optional[Refusal]:
    """KEYS "What each key may sign", for `key`, held by `entry` in `role`
    ("current", a PreviousKey, or "candidate"), and something made at `made_at`
    ("by T" means floor(made_at) <= T): None when the key may sign it, else the
    refusal.

    SPEC-GAP: KEYS gives no precedence among the refusals of a previous key;
    here a revoked entry comes first, then `compromised`, then disputed, then
    the time."""
    kid = key.key_id
    if role == "candidate":
        return Refusal("disputed signer", f"disputed signer {entry.name}: key {kid} is a candidate key "
                                          f"of a disputed entry")
    if entry.status == "revoked":
        return Refusal("revoked signer", f"revoked signer {entry.name}")
    if role == "current":
        if entry.status == "disputed":
            return Refusal("disputed signer", f"disputed signer {entry.name}: key {kid} is the current key "
                                              f"of a disputed entry")
        return None
    if role.compromised:
        return Refusal("compromised signer", f"compromised signer: key {kid} of {entry.name} is compromised")
    if entry.status == "disputed":
        position = next(i for i, p in enumerate(entry.previous) if p is role)
        last = max((i for i, p in enumerate(entry.previous) if p.compromised), default=-1)
        if position > last:
            return Refusal("disputed signer", f"disputed signer {entry.name}: key {kid} comes after the last "
                                              f"compromised key of a disputed entry")
    if math.floor(made_at) > role.until:
        return Refusal("rotated signer", f"rotated signer: key {kid} of {entry.name} was rotated on "
                                         f"{format_date(role.until)}, and this {what} was made on "
                                         f"{format_date(math.floor(made_at))}, after that")
    return None


@dataclass
class Ledger:
    """The part of the store FORMAT §6 needs to decide accept/reject:
    merged snapshots, keyed by (signer key ID, snapshot_id) as §6.2 says, with
    their §5 digest, signer and sequence."""
    merged: dict = field(default_factory=dict)     # (signer key id, snapshot_id) -> (digest, signer key id, sequence)

    def highest_sequence(self, signer: str) -> int:
        return max((s for (_, who, s) in self.merged.values() if who == signer), default=0)

    def holds(self, snapshot_id: str, signer_ok: Callable[[str], bool]) -> bool:
        """FORMAT §4.8: whether the ledger holds `snapshot_id` merged from a
        signer key for which signer_ok(key ID) is true."""
        return any(sid == snapshot_id and signer_ok(who) for (who, sid) in self.merged)


def _read_exact(f: BinaryIO, n: int) -> bytes:
    data = f.read(n)
    while len(data) < n:
        more = f.read(n - len(data))
        if not more:
            break
        data += more
    return data


def read_header(f: BinaryIO):
    """FORMAT §2 and §6 step 1.  Returns (header bytes, stanzas, stream header)."""
    magic = _read_exact(f, 8)
    # SPEC-GAP: a file shorter than the magic: a proper prefix of the magic is
    # "truncated", anything else "not an ai-mem snapshot".
    if magic != MAGIC[:len(magic)]:
        raise Refusal("not an ai-mem snapshot", "the file does not start with AIMEMSNP")
    if len(magic) < 8:
        raise Refusal("truncated", "end of file inside the header (magic)")
    v = _read_exact(f, 1)
    if not v:
        raise Refusal("truncated", "end of file inside the header (version)")
    if v[0] != VERSION:
        raise Refusal("unsupported version", f"snapshot version {v[0]}")
    rc = _read_exact(f, 2)
    if len(rc) < 2:
        raise Refusal("truncated", "end of file inside the header (recipient count)")
    n = struct.unpack("<H", rc)[0]
    if not 1 <= n <= MAX_RECIPIENTS:
        raise Refusal("malformed header", f"recipient count {n} (1 to {MAX_RECIPIENTS} allowed)")
    body = _read_exact(f, STANZA_LEN * n + STREAM_HEADER_LEN)
    if len(body) < STANZA_LEN * n + STREAM_HEADER_LEN:
        raise Refusal("truncated", "end of file inside the header (stanzas or stream header)")
    stanzas = [body[i * STANZA_LEN:(i + 1) * STANZA_LEN] for i in range(n)]
    return magic + v + rc + body, stanzas, body[STANZA_LEN * n:]


def open_stanzas(stanzas, identities):
    """FORMAT §2/§6 step 2: try every stanza with each X25519 key, current first."""
    for ident in identities:
        for st in stanzas:
            try:
                key = sodium.crypto_box_seal_open(st, ident.public.x25519, ident.x_sk)
            except nacl.exceptions.CryptoError:
                continue
            if len(key) == 32:
                return key, ident
    raise Refusal("not a recipient", "no stanza opens with this identity's keys")


def find_signer(key_id_: str, reader: Reader, created_at):
    """FORMAT §6 step 3 and KEYS "What each key may sign": own identity
    (current, retired), then every role of every keyring entry, judged for a
    snapshot whose metadata says `created_at`."""
    for ident in reader.identities:
        if ident.key_id == key_id_:
            return ident.public, ident.name
    found = reader.keyring_key(key_id_)
    if found is None:
        raise Refusal("untrusted signer", f"untrusted signer {key_id_}")
    refusal = keyring_key_refusal(*found, created_at)
    if refusal is not None:
        raise refusal
    entry, _, key = found
    return key, entry.name


def signature_message(digest: bytes) -> bytes:
    """FORMAT §5: "ai-mem snapshot v1" ‖ 0x00 ‖ BLAKE2b-512(header ‖ plaintext)."""
    return SIGNATURE_DOMAIN + digest


def verify_detached(sig: bytes, msg: bytes, ed_pk: bytes) -> bool:
    # PyNaCl exposes crypto_sign_open (sig ‖ msg), which is
    # crypto_sign_verify_detached on the same bytes.
    try:
        sodium.crypto_sign_open(sig + msg, ed_pk)
        return True
    except nacl.exceptions.BadSignatureError:
        return False


def read_snapshot(f: BinaryIO, reader: Reader, ledger: Optional[Ledger] = None) -> dict:
    """FORMAT §6 steps 1-6 (the merge path), in the spec's order.

    Returns {"metadata", "records", "signer", "already_merged", "replay",
    "missing_base" (None, or the {snapshot_id, sequence} of an increment's base
    the ledger lacks: FORMAT §4.8's warning), "digest", "chunks"}; raises
    Refusal.  Nothing is "committed": the caller gets the records only when
    every check has passed (step 6).
    """
    ledger = ledger or Ledger()
    header, stanzas, stream_header = read_header(f)                   # step 1
    file_key, opener = open_stanzas(stanzas, reader.identities)         # step 2

    digest = hashlib.blake2b(digest_size=64)
    digest.update(header)
    st = {"metadata": None, "signer": None, "records": [], "tombstones": [], "lines": [], "ids": set(),
          "already_merged": False, "lines_after": 0, "total": 0}

    def on_line(number: int, raw: bytes) -> None:
        if number == 1:                                                  # step 3
            meta = validate_metadata(decode_line(1, raw), now=reader.clock())
            signer_pk, signer_name = find_signer(meta["exporter"]["key_id"], reader, meta["created_at"])
            if opener.key_id not in meta["recipients"]:
                # SPEC-GAP: "the reader's own key ID" is read as the ID of the
                # key whose X25519 secret opened the stanza (current or retired).
                raise Refusal("not a recipient", "this reader is not in the signed recipient list (forwarded?)")
            if len(stanzas) != len(meta["recipients"]):
                raise Refusal("malformed header", f"{len(stanzas)} stanzas for {len(meta['recipients'])} listed recipients")
            st.update(metadata=meta, signer=(signer_pk, signer_name))
            st["already_merged"] = (signer_pk.key_id, meta["snapshot_id"]) in ledger.merged
            # FORMAT §4.3: payload 2 counts records and tombstones together.
            st["total"] = meta["count"] + (meta["tombstones"] if meta["ai_mem_snapshot"] == 2 else 0)
            return
        meta = st["metadata"]
        if st["already_merged"]:
            st["lines_after"] += 1     # §6: "not parsed again", only counted
            return
        if meta["ai_mem_snapshot"] == 1:
            # Payload 1: exactly as before payload 2 existed.
            if number - 1 > meta["count"]:                               # step 4
                raise Refusal("count mismatch", f"more than the {meta['count']} records declared")
            rec = validate_record(decode_line(number, raw), meta)
            if rec["id"] in st["ids"]:
                raise Refusal("duplicate id", f"id {rec['id']!r} appears twice")
            st["ids"].add(rec["id"])
            st["records"].append(rec)
            # For the store model only (§6.3 "identical fields"): the same
            # encoding as payload 2, from a text-keeping parse of the same line.
            st["lines"].append({"kind": "record", "line": number, "id": rec["id"], "author": None,
                                "encoding": record_encoding(parse_json_strict(raw.decode("utf-8"), keep_text=True)),
                                "updated_at": float(rec["updated_at"])})
            return
        # Payload 2 (FORMAT §6.1 item 3): blank, beyond count + tombstones,
        # JSON and §4.2/§4.5/§4.7, then the id (unique across both kinds).
        if not raw:
            raise _bad(f"line {number} is blank")
        if number - 1 > st["total"]:
            raise Refusal("count mismatch", f"more than the {meta['count']} records and "
                                            f"{meta['tombstones']} tombstones declared")
        value = decode_line(number, raw, keep_text=True)
        plain = to_plain(value)
        # SPEC-GAP: a line's kind is given by its position (§4.5 "lines count+2
        # ..."): a tombstone-shaped line among the records is an invalid record.
        if number - 1 <= meta["count"]:
            rec = validate_record(plain, meta)
            if rec["id"] in st["ids"]:
                raise Refusal("duplicate id", f"id {rec['id']!r} appears twice")
            st["ids"].add(rec["id"])
            st["records"].append(rec)
            st["lines"].append({"kind": "record", "line": number, "id": rec["id"], "author": rec["author"],
                                "encoding": record_encoding(value), "updated_at": float(rec["updated_at"])})
        else:
            t = validate_tombstone(plain, meta)
            if t["id"] in st["ids"]:
                raise Refusal("duplicate id", f"id {t['id']!r} appears twice (tombstone)")
            st["ids"].add(t["id"])
            st["tombstones"].append(plain)
            st["lines"].append({"kind": "tombstone", "line": number, "id": t["id"], "author": t["author"],
                                "encoding": tombstone_encoding(value["tombstone"]),
                                "deleted_at": float(t["deleted_at"])})

    lines = LineSplitter(on_line)
    state = sodium.crypto_secretstream_xchacha20poly1305_state()
    sodium.crypto_secretstream_xchacha20poly1305_init_pull(state, stream_header, file_key)
    chunk, signature, sizes = 0, None, []
    while signature is None:                                            # FORMAT §3
        chunk += 1
        lb = _read_exact(f, 4)
        if len(lb) < 4:
            raise Refusal("truncated", f"end of file before the final chunk (at chunk {chunk}'s length)")
        length = struct.unpack("<I", lb)[0]
        if not MIN_CHUNK_LEN <= length <= MAX_CHUNK_LEN:
            raise Refusal("corrupted", f"corrupted at chunk {chunk} (length {length})")
        ct = _read_exact(f, length)
        if len(ct) < length:
            raise Refusal("truncated", f"end of file inside chunk {chunk}")
        try:
            m, tag = sodium.crypto_secretstream_xchacha20poly1305_pull(state, ct, None)
        except nacl.exceptions.CryptoError:
            raise Refusal("corrupted", f"corrupted at chunk {chunk} (authentication failed)") from None
        sizes.append(len(m))
        if tag == TAG_MESSAGE:
            plain = m
        elif tag == TAG_FINAL:
            if len(m) < SIG_LEN:
                raise Refusal("corrupted", f"corrupted at chunk {chunk} (final chunk of {len(m)} bytes)")
            plain, signature = m[:-SIG_LEN], m[-SIG_LEN:]
            # The end of input is a stream check: it comes before the final
            # chunk's lines, the count and the signature (SPEC-GAP; §6's
            # already-merged text orders "every stream check", then the count,
            # then the signature; vector stream-two-finals needs this order).
            if _read_exact(f, 1):
                raise Refusal("trailing data", f"bytes after the final chunk ({chunk})")
        else:
            raise Refusal("corrupted", f"corrupted at chunk {chunk} (tag {tag})")
        digest.update(plain)
        lines.feed(plain)
    lines.finish()
    meta = st["metadata"]
    if meta is None:
        raise _bad("no metadata line")
    n_lines = st["lines_after"] if st["already_merged"] else len(st["records"]) + len(st["tombstones"])
    if n_lines != st["total"]:
        raise Refusal("count mismatch", f"{n_lines} lines after the metadata, {st['total']} declared"
                      + (" (count + tombstones)" if meta["ai_mem_snapshot"] == 2 else ""))
    signer_pk, signer_name = st["signer"]
    d = digest.digest()
    if not verify_detached(signature, signature_message(d), signer_pk.ed25519):   # step 5
        raise Refusal("signature invalid", f"the signature does not verify with {signer_name}'s key")
    sid = meta["snapshot_id"]
    if st["already_merged"] and ledger.merged[(signer_pk.key_id, sid)][0] != d:
        raise Refusal("reused snapshot id", f"snapshot id {sid} was merged with other content")
    replay = meta["sequence"] <= ledger.highest_sequence(signer_pk.key_id)
    # FORMAT §4.8: an increment whose base the ledger does not hold -- that
    # snapshot_id from the signer's key or another key of the same person (the
    # reader's own keys; one keyring entry's keys) -- is "missing the base": a
    # warning, not a refusal; its lines are applied all the same.
    # SPEC-GAP: only the base's snapshot_id is looked up (its sequence is not
    # compared with the ledger's), and an already merged increment, which
    # changes nothing, is not reported.
    missing_base = None
    base = snapshot_base(meta)
    if base is not None and not st["already_merged"]:
        signer_person = reader.person(signer_pk.key_id)
        if not ledger.holds(base["snapshot_id"],
                            lambda k: k == signer_pk.key_id or reader.person(k) == signer_person):
            missing_base = {"snapshot_id": base["snapshot_id"], "sequence": base["sequence"]}
    return {"metadata": meta, "payload": meta["ai_mem_snapshot"], "records": st["records"],
            "tombstones": st["tombstones"], "lines": st["lines"], "signer": signer_name,
            "signer_key_id": signer_pk.key_id, "already_merged": st["already_merged"],
            "replay": replay and not st["already_merged"], "missing_base": missing_base,
            "digest": d.hex(), "chunks": sizes}


def merge_into_ledger(ledger: Ledger, result: dict) -> None:
    """FORMAT §6: record a merged snapshot (only what accept/reject depends on)."""
    m = result["metadata"]
    if not result["already_merged"]:
        ledger.merged[(result["signer_key_id"], m["snapshot_id"])] = (bytes.fromhex(result["digest"]), result["signer_key_id"], m["sequence"])


def read_snapshot_file(path: str, reader: Reader, ledger: Optional[Ledger] = None) -> dict:
    with open(path, "rb") as f:
        return read_snapshot(f, reader, ledger)


# --------------------------------------------------------------------------
# FORMAT §6.3: judging authors and applying records and tombstones.
# A model of the store, enough to count the outcomes of a merge.
# --------------------------------------------------------------------------

COUNT_KEYS = ("added", "unchanged", "conflicts", "not_the_author", "kept_deleted", "deleted",
              "tombstones_recorded", "tombstones_unchanged", "unknown_author", "forged_author")
OUTCOME_COUNT = {"added": "added", "unchanged": "unchanged", "conflict": "conflicts",
                 "not the author": "not_the_author", "kept deleted": "kept_deleted",
                 "deleted": "deleted", "tombstone recorded": "tombstones_recorded",
                 "tombstone unchanged": "tombstones_unchanged", "unknown author": "unknown_author",
                 "forged author": "forged_author"}


@dataclass
class Store:
    """The store state §6.3 depends on.  rows: id -> {"author": key ID or None
    (the store's own user, unsigned), "encoding": the §4.6 encoding of its
    fields, or None for a row no snapshot line equals, "updated_at": float or
    None (unknown)}.  tombstones: (id, author key ID) -> deleted_at (no local
    tombstones are modelled).  Policy `newer`."""
    rows: dict = field(default_factory=dict)
    tombstones: dict = field(default_factory=dict)
    ledger: Ledger = field(default_factory=Ledger)

    @classmethod
    def holding_own_row(cls, row_id: str) -> "Store":
        """The vectors' store: one memory of the store's own user whose fields
        differ from every snapshot line with that id."""
        return cls(rows={row_id: {"author": None, "encoding": None, "updated_at": None}})


MODEL_OWN_ROW = "bob-own"


def judge_author(line: dict, signer_key_id: str, reader: Reader) -> str:
    """FORMAT §6.3 "Who wrote a line": "accepted", "unknown author" or "forged author"."""
    author = line["author"]
    if author is None:                       # payload 1: authored by the signer
        return "accepted"
    k = author["key_id"]
    if k == signer_key_id:
        return "accepted"                    # the line's signature is kept unchecked
    # KEYS "What each key may sign", with the line's own time for created_at
    ed_pk = reader.author_key(k, line["updated_at"] if line["kind"] == "record" else line["deleted_at"])
    if ed_pk is None:
        return "unknown author"
    sig = author["signature"]
    if sig is None:
        return "accepted" if signer_key_id in reader.own_key_ids() else "unknown author"
    prefix = RECORD_SIG_PREFIX if line["kind"] == "record" else TOMBSTONE_SIG_PREFIX
    msg = author_message(prefix, k, line["encoding"])
    return "accepted" if verify_detached(b64_decode_strict(sig), msg, ed_pk) else "forged author"


def apply_snapshot(store: Store, res: dict, reader: Reader) -> tuple:
    """FORMAT §6.3, in stream order (records, then tombstones).  Updates
    `store` (rows, tombstones, ledger) and returns (counts, outcomes), with
    outcomes a list of {"line", "kind", "id", "outcome"}."""
    counts = {k: 0 for k in COUNT_KEYS}
    outcomes = []
    if res["already_merged"]:
        return counts, outcomes              # §6.2: changes nothing
    signer = res["signer_key_id"]

    def same_user(a, b):                     # KEYS: all keys of one entry are one person
        return a == b or reader.person(a) == reader.person(b)

    def may_change(row_author, a):           # the row is a's person's (the reader's own: no author or an own key)
        return row_author == a or reader.person(row_author) == reader.person(a)

    for line in res["lines"]:
        verdict = judge_author(line, signer, reader)
        a = signer if line["author"] is None else line["author"]["key_id"]
        rid = line["id"]
        row = store.rows.get(rid)
        if verdict != "accepted":
            outcome = verdict
        elif line["kind"] == "record":
            if any(tid == rid and same_user(ta, a) for (tid, ta) in store.tombstones):
                outcome = "kept deleted"                                   # rule 1
            elif row is None:
                store.rows[rid] = {"author": a, "encoding": line["encoding"], "updated_at": line["updated_at"]}
                outcome = "added"                                          # rule 2
            elif row["encoding"] is not None and row["encoding"] == line["encoding"]:
                # SPEC-GAP: "identical fields (embedding aside)": the 16 signed
                # members compared by their §4.6 encoding; `author` not compared.
                outcome = "unchanged"                                      # rule 3
            elif not may_change(row["author"], a):
                outcome = "not the author"                                 # rule 4
            else:
                outcome = "conflict"                                       # rule 5, policy newer
                # SPEC-GAP (count names are the manifest's): `conflicts` counts
                # every rule-5 line, whatever the resolution.
                # A replay keeps the local row; a tie keeps it; an unknown local
                # updated_at (the modelled own row) is taken to keep it too.
                if (not res["replay"] and row["updated_at"] is not None
                        and line["updated_at"] > row["updated_at"]):
                    store.rows[rid] = {"author": a, "encoding": line["encoding"],
                                       "updated_at": line["updated_at"]}
        else:
            if row is not None:
                if may_change(row["author"], a):
                    del store.rows[rid]
                    store.tombstones[(rid, a)] = line["deleted_at"]
                    outcome = "deleted"
                else:
                    outcome = "not the author"
            elif (rid, a) in store.tombstones:
                # SPEC-GAP: "already there" = the same id and author (deleted_at
                # not compared); another author's tombstone is kept beside it.
                outcome = "tombstone unchanged"
            else:
                store.tombstones[(rid, a)] = line["deleted_at"]
                outcome = "tombstone recorded"
        counts[OUTCOME_COUNT[outcome]] += 1
        outcomes.append({"line": line["line"], "kind": line["kind"], "id": rid, "outcome": outcome})
    merge_into_ledger(store.ledger, res)
    return counts, outcomes


# --------------------------------------------------------------------------
# FORMAT §2-§5: the writer
# --------------------------------------------------------------------------

def chunk_layout(plaintext_len: int) -> list:
    """FORMAT §3: plaintext bytes per chunk; the last entry is the FINAL chunk,
    which also carries the 64-byte signature.  Full 65 536-byte MESSAGE chunks,
    except that when the rest and the signature do not fit in one chunk the
    rest goes out as a shorter MESSAGE chunk."""
    sizes, rest = [], plaintext_len
    while rest + SIG_LEN > CHUNK_PLAINTEXT:
        n = min(rest, CHUNK_PLAINTEXT)
        sizes.append(n)
        rest -= n
    sizes.append(rest)
    return sizes


def content_hash(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def build_metadata(signer: Identity, recipients: list, count: int, *, embedding_model: str,
                   embedding_dim: int, filters: Optional[dict] = None, created_at: Optional[float] = None,
                   snapshot_id: Optional[str] = None, previous_sequence: int = 0,
                   payload: int = 1, tombstones: int = 0, base=None) -> dict:
    """FORMAT §4.1: the metadata line a writer emits (payload 1 or 2).
    `base` (payload 2 only, FORMAT §4.8): None for a full snapshot (the member
    is then omitted), else the chain's previous snapshot as a {snapshot_id,
    sequence} object, a (snapshot_id, sequence) pair, or that snapshot's metadata."""
    if payload not in PAYLOAD_VERSIONS:
        raise ValueError(f"payload {payload}")
    if payload == 1 and tombstones:
        raise ValueError("payload 1 has no tombstones")
    if payload == 1 and base is not None:
        raise ValueError("payload 1 has no base")
    created_at = time.time() if created_at is None else created_at
    meta = {
        "ai_mem_snapshot": payload,
        "snapshot_id": snapshot_id or str(uuid.uuid4()),
        "created_at": created_at,
        "exporter": {"key_id": signer.key_id, "name": signer.name, "public_key": signer.public.line},
        # max(previous + 1, created_at in milliseconds) -- SPEC-GAP: truncated, not rounded
        "sequence": max(previous_sequence + 1, int(created_at * 1000)),
        "recipients": sorted({pk.key_id for pk in recipients}),
        "filters": filters or {"project": None, "type": None, "tags": [], "since": None},
        "count": count,
        "embedding": {"model": embedding_model, "dim": embedding_dim},
    }
    if payload == 2:
        meta["tombstones"] = tombstones
        if base is not None:
            if isinstance(base, (tuple, list)):
                base = {"snapshot_id": base[0], "sequence": base[1]}
            meta["base"] = {"snapshot_id": base["snapshot_id"], "sequence": base["sequence"]}
    return validate_metadata(meta)


class RawLine(str):
    """A record or tombstone line given as its exact JSON text (to write, for
    instance, a relayed record with other escapes, member order or number
    spellings than its author used)."""


def sign_record(rec: dict, author: Identity) -> str:
    """FORMAT §4.6: base64 of the author's Ed25519 signature over a record
    version.  The encoding is taken from the JSON text the writer emits, so
    free-form numbers are signed as the text written."""
    raw = parse_json_strict(dump_json({k: rec[k] for k in SIGNED_RECORD_MEMBERS}), keep_text=True)
    msg = author_message(RECORD_SIG_PREFIX, author.key_id, record_encoding(raw))
    return base64.b64encode(sodium.crypto_sign(msg, author.ed_sk)[:SIG_LEN]).decode("ascii")


def sign_tombstone(rid: str, deleted_at, author: Identity) -> str:
    raw = parse_json_strict(dump_json({"id": rid, "deleted_at": deleted_at}), keep_text=True)
    msg = author_message(TOMBSTONE_SIG_PREFIX, author.key_id, tombstone_encoding(raw))
    return base64.b64encode(sodium.crypto_sign(msg, author.ed_sk)[:SIG_LEN]).decode("ascii")


def authored(rec: dict, author, signature: Any = "sign") -> dict:
    """A payload-2 record with `author`.  `author` is an Identity (signs, unless
    `signature` is given: a string relays that signature, None writes null) or
    a key ID string (then `signature` must be given)."""
    key = author if isinstance(author, str) else author.key_id
    if signature == "sign":
        signature = sign_record(rec, author)
    out = {k: v for k, v in rec.items() if k != "author"}
    out["author"] = {"key_id": key, "signature": signature}
    return out


def tombstone(rid: str, deleted_at, author, signature: Any = "sign") -> dict:
    """A FORMAT §4.5 tombstone line, signed by `author` (an Identity) unless a
    signature is given (relayed, or deliberately wrong)."""
    key = author if isinstance(author, str) else author.key_id
    if signature == "sign":
        signature = sign_tombstone(rid, deleted_at, author)
    return {"tombstone": {"id": rid, "deleted_at": deleted_at,
                          "author": {"key_id": key, "signature": signature}}}


def encode_plaintext(meta: dict, records: list, tombstones: list = ()) -> bytes:
    """FORMAT §4: the NDJSON plaintext, every line checked as a reader would.
    Payload 2: records must carry `author` (see authored()); the tombstone
    lines follow the records."""
    v2 = meta["ai_mem_snapshot"] == 2
    if not v2 and tombstones:
        raise ValueError("payload 1 has no tombstone lines")
    lines = [dump_json(meta)]
    seen = set()
    for kind, items in (("record", records), ("tombstone", tombstones)):
        for r in items:
            text = str(r) if isinstance(r, RawLine) else dump_json(r)
            if v2 or isinstance(r, RawLine):
                value = to_plain(parse_json_strict(text, keep_text=True))
            else:
                value = r
            rid = (validate_record(value, meta) if kind == "record" else validate_tombstone(value, meta))["id"]
            if rid in seen:
                raise ValueError(f"duplicate id {rid!r}")
            seen.add(rid)
            lines.append(text)
    if len(lines[0].encode()) > MAX_METADATA_LINE or any(len(l.encode()) > MAX_OTHER_LINE for l in lines[1:]):
        raise ValueError("a line exceeds its FORMAT §4 limit")
    return "".join(l + "\n" for l in lines).encode("utf-8")


def write_snapshot(out: BinaryIO, signer: Identity, recipients: list, records: list,
                   tombstones: list = (), **meta_args) -> dict:
    """FORMAT §2-§5: write one snapshot to `out`; returns its metadata.
    Records must be complete §4.2 objects (validated with the reader's checks);
    `payload=2` in meta_args writes payload 2 (records with `author`, tombstones);
    with it, `base=` writes an increment (FORMAT §4.8; see build_metadata)."""
    by_id = {pk.key_id: pk for pk in recipients}
    if not 1 <= len(by_id) <= MAX_RECIPIENTS:
        raise ValueError("1 to 64 distinct recipients are required")
    if tombstones:
        meta_args = dict(meta_args, tombstones=len(tombstones))
    meta = build_metadata(signer, list(by_id.values()), len(records), **meta_args)
    write_raw_snapshot(out, signer, list(by_id.values()), encode_plaintext(meta, records, tombstones))
    return meta


def write_raw_snapshot(out: BinaryIO, signer: Identity, recipients: list, plaintext: bytes) -> None:
    """FORMAT §2, §3, §5 around a given plaintext (not checked: this is also
    how the isolated reject vectors are made)."""
    by_id = {pk.key_id: pk for pk in recipients}
    file_key = sodium.crypto_secretstream_xchacha20poly1305_keygen()      # fresh per snapshot
    stanzas = [sodium.crypto_box_seal(file_key, pk.x25519) for pk in by_id.values()]
    random.SystemRandom().shuffle(stanzas)               # FORMAT §2: order says nothing
    state = sodium.crypto_secretstream_xchacha20poly1305_state()
    stream_header = sodium.crypto_secretstream_xchacha20poly1305_init_push(state, file_key)
    header = MAGIC + bytes([VERSION]) + struct.pack("<H", len(stanzas)) + b"".join(stanzas) + stream_header
    assert len(header) == 35 + 80 * len(stanzas)

    digest = blake2b([header, plaintext], 64)                               # FORMAT §5
    signature = sodium.crypto_sign(signature_message(digest), signer.ed_sk)[:SIG_LEN]

    out.write(header)
    pos, sizes = 0, chunk_layout(len(plaintext))                            # FORMAT §3
    for i, n in enumerate(sizes):
        final = i == len(sizes) - 1
        piece = plaintext[pos:pos + n] + (signature if final else b"")
        pos += n
        ct = sodium.crypto_secretstream_xchacha20poly1305_push(
            state, piece, None, TAG_FINAL if final else TAG_MESSAGE)
        out.write(struct.pack("<I", len(ct)) + ct)


def normalise_input_record(r: dict) -> dict:
    """Writer convenience: compute content_hash when absent, and accept an
    embedding vector given as a list of numbers (stored as base64 float32)."""
    r = dict(r)
    if "content_hash" not in r and isinstance(r.get("content"), str):
        r["content_hash"] = content_hash(r["content"])
    e = r.get("embedding")
    if isinstance(e, dict) and isinstance(e.get("vector"), list):
        e = dict(e)
        e["vector"] = base64.b64encode(struct.pack(f"<{len(e['vector'])}f", *e["vector"])).decode("ascii")
        r["embedding"] = e
    return {k: r[k] for k in RECORD_MEMBERS if k in r} | {k: v for k, v in r.items() if k not in RECORD_MEMBERS}


# --------------------------------------------------------------------------
# check-vectors: run the hostile vectors of Tests/Vectors/manifest.json
# --------------------------------------------------------------------------

# The manifest uses the Swift error-class names; a few differ in wording from
# FORMAT.md/KEYS.md.  (spec or this implementation's name) -> manifest name.
CLASS_ALIASES = {
    "not an ai-mem snapshot": "not a snapshot",
    "malformed key file": "malformedKeyFile",
    "work factor too high": "workFactorTooHigh",
    "wrong passphrase": "wrongPassphrase",
    "already merged": "",
}


def _same_class(expected: str, got: Optional[str]) -> bool:
    if got is None:
        return expected == ""
    return CLASS_ALIASES.get(got, got) == expected


def _rel(base: str, p: str) -> str:
    return os.path.normpath(os.path.join(base, p))


def check_vectors(manifest_path: str, out=sys.stdout) -> int:
    base = os.path.dirname(os.path.abspath(manifest_path))
    with open(manifest_path, "rb") as fh:
        manifest = json.loads(fh.read())
    if isinstance(manifest, dict):
        manifest = manifest.get("vectors", [])
    keyfile_meta, keyring_meta = {}, {}
    if os.path.exists(os.path.join(base, "keyfiles/manifest.json")):
        with open(os.path.join(base, "keyfiles/manifest.json")) as fh:
            keyfile_meta = json.load(fh)
    if os.path.exists(os.path.join(base, "keyrings/manifest.json")):
        with open(os.path.join(base, "keyrings/manifest.json")) as fh:
            keyring_meta = {m["file"]: m for m in json.load(fh).get("malformed", [])}
    readers = {}

    def reader_for(entry) -> Reader:
        ident = _rel(base, entry.get("reader_identity", "keys/TEST-ONLY-bob.key"))
        ring = _rel(base, entry.get("reader_keyring", "keys/bob-keyring.txt"))
        if (ident, ring) not in readers:
            # Modes are not kept by git: the TEST-ONLY keys are 0644 in a checkout.
            readers[(ident, ring)] = Reader([load_secret_key(ident, check_mode=False)], load_keyring(ring))
        return readers[(ident, ring)]

    counts = {"agree": 0, "disagree": 0, "excluded": 0, "class_mismatch": 0, "extra_mismatch": 0}
    for entry in manifest:
        kind, file = entry.get("kind"), entry["file"]
        expected, exp_err = entry.get("expect"), entry.get("error", "")
        got, got_err, detail, extra = "reject", None, "", {}
        path = _rel(base, file)
        try:
            if kind == "snapshot":
                # The store: one memory of bob's own (MODEL_OWN_ROW), then the
                # `before` snapshots merged in order (ledger, rows, tombstones).
                store = Store.holding_own_row(MODEL_OWN_ROW)
                rd = reader_for(entry)
                for b in entry.get("before", []) or []:
                    apply_snapshot(store, read_snapshot_file(_rel(base, b), rd, store.ledger), rd)
                res = read_snapshot_file(path, rd, store.ledger)
                got = "accept"
                merge_counts, outcomes = apply_snapshot(store, res, rd)
                detail = (f"payload {res['payload']}, {len(res['records'])} records"
                          + (f", {len(res['tombstones'])} tombstones" if res["payload"] == 2 else "")
                          + f", signer {res['signer']}, chunks {res['chunks']}"
                          + (", already merged" if res["already_merged"] else "")
                          + (", replay" if res["replay"] else "")
                          + (f", missing base {res['missing_base']['snapshot_id']} (sequence "
                             f"{res['missing_base']['sequence']})" if res["missing_base"] else ""))
                extra = _extra_snapshot_checks(base, entry, res, merge_counts, outcomes)
            elif kind == "keyline":
                with open(path, "rb") as fh:
                    text = fh.read().decode("utf-8")
                text = text[:-1] if text.endswith("\n") else text
                text = text[:-1] if text.endswith("\r") else text
                parse_public_key_line(text)
                got = "accept"
            elif kind == "keyfile":
                load_secret_key(path, keyfile_meta.get("passphrase"), check_mode=False)
                got = "accept"
            elif kind == "keyring":
                with open(path, "rb") as fh:
                    parse_keyring(fh.read())
                got = "accept"
            else:
                counts["excluded"] += 1
                print(json.dumps({"file": file, "kind": kind, "excluded": "unknown kind"}), file=out)
                continue
        except Refusal as e:
            got_err, detail = e.cls, e.detail
            want = keyring_meta.get(os.path.basename(file), {}) if kind == "keyring" else {}
            if want.get("line") is not None:
                extra["line_expected"], extra["line_got"] = want["line"], e.line
                if want["line"] != e.line:
                    extra["extra_ok"] = False
            if want.get("reason") is not None:
                # keyrings/manifest.json: a substring of the reason the error gives
                extra["reason_expected"] = want["reason"]
                extra["reason_agree"] = want["reason"] in e.detail
                if not extra["reason_agree"]:
                    extra["extra_ok"] = False
        except Exception as e:     # a bug in this reader, never a verdict
            got, got_err, detail = "internal error", "internal error", f"{type(e).__name__}: {e}"
        agree = got == expected
        class_ok = agree and (got == "accept" or _same_class(exp_err, got_err))
        counts["agree" if agree else "disagree"] += 1
        if agree and not class_ok:
            counts["class_mismatch"] += 1
        if extra.get("extra_ok") is False:
            counts["extra_mismatch"] += 1
        print(json.dumps({"file": file, "kind": kind, "expected": expected, "got": got,
                          "expected_error": exp_err, "got_error": got_err, "agree": agree,
                          "class_agree": class_ok, "detail": detail, **extra},
                         ensure_ascii=False), file=out)

    # Extra checks not in the manifest: the two valid key files, the mode check,
    # and that every committed test key matches its .pub and keyring entry.
    for line in _extra_key_checks(base, keyfile_meta):
        counts["extra_mismatch"] += 0 if line["ok"] else 1
        print(json.dumps(line), file=out)
    total = counts["agree"] + counts["disagree"]
    print(json.dumps({"summary": True, "total": total, **counts,
                      "pynacl": nacl.__version__}), file=out)
    return 0 if counts["disagree"] == 0 else 1


def _extra_snapshot_checks(base: str, entry: dict, res: dict, merge_counts: dict, outcomes: list) -> dict:
    """For accepted snapshots: does this writer's chunking rule (FORMAT §3)
    give the same chunk sizes?  For the reference vectors, do the records (and
    tombstones, and per-line outcomes) equal the sidecar `expected` file field
    by field?  When the entry has `counts`, do the merge counts (FORMAT §6.3,
    on the modelled store) agree for every key it gives?"""
    extra = {}
    plain_len = sum(res["chunks"]) - SIG_LEN
    layout = chunk_layout(plain_len)
    layout[-1] += SIG_LEN
    extra["writer_layout_agree"] = layout == res["chunks"]
    if not extra["writer_layout_agree"]:
        extra["extra_ok"] = False
    if "expected" in entry:
        with open(_rel(base, entry["expected"]), "rb") as fh:
            exp = json.loads(fh.read())
        ok = (exp["records"] == res["records"] and exp["metadata"]["snapshot_id"] == res["metadata"]["snapshot_id"]
              and exp["metadata"]["count"] == len(res["records"])
              and exp.get("tombstones", []) == res["tombstones"]
              and exp["metadata"].get("tombstones", 0) == len(res["tombstones"]))
        extra["records_agree"] = ok
        if not ok:
            extra["extra_ok"] = False
        if "outcomes" in exp:
            extra["outcomes_agree"] = exp["outcomes"] == outcomes
            if not extra["outcomes_agree"]:
                extra["outcomes_got"] = outcomes
                extra["extra_ok"] = False
    if "counts" in entry:
        want = entry["counts"]
        agree = isinstance(want, dict) and all(k in merge_counts and merge_counts[k] == v for k, v in want.items())
        extra["counts_agree"] = agree
        if not agree:
            extra["counts_expected"] = want
            extra["counts_got"] = merge_counts
            extra["extra_ok"] = False
    return extra


def _extra_key_checks(base: str, keyfile_meta: dict):
    kf = os.path.join(base, "keyfiles")
    for which in ("protected", "unprotected"):
        if keyfile_meta.get(which):
            try:
                load_secret_key(os.path.join(kf, keyfile_meta[which]), keyfile_meta.get("passphrase"), check_mode=False)
                yield {"extra": f"keyfiles/{keyfile_meta[which]}", "expected": "accept", "got": "accept", "ok": True}
            except Refusal as e:
                yield {"extra": f"keyfiles/{keyfile_meta[which]}", "expected": "accept", "got": e.cls,
                       "detail": e.detail, "ok": False}
    # keyfiles/manifest.json itself, whether or not manifest.json lists its files yet:
    # each "refused" file with its class (with the passphrase), each "accepted" one
    # loaded without a passphrase (they are unprotected).
    for want in keyfile_meta.get("refused", []):
        try:
            load_secret_key(os.path.join(kf, want["file"]), keyfile_meta.get("passphrase"), check_mode=False)
            got, detail = "accept", ""
        except Refusal as e:
            got, detail = e.cls, e.detail
        except Exception as e:     # a bug in this reader, never a verdict
            got, detail = "internal error", f"{type(e).__name__}: {e}"
        yield {"extra": f"keyfiles/{want['file']}", "expected": want["error"], "got": got,
               "detail": detail, "ok": got != "accept" and _same_class(want["error"], got)}
    for fn in keyfile_meta.get("accepted", []):
        try:
            load_secret_key(os.path.join(kf, fn), None, check_mode=False)
            got, detail = "accept", ""
        except Refusal as e:
            got, detail = e.cls, e.detail
        except Exception as e:
            got, detail = "internal error", f"{type(e).__name__}: {e}"
        yield {"extra": f"keyfiles/{fn}", "expected": "accept", "got": got, "detail": detail,
               "ok": got == "accept"}
    if keyfile_meta.get("unprotected"):
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "k.key")
            with open(os.path.join(kf, keyfile_meta["unprotected"]), "rb") as src, open(p, "wb") as dst:
                dst.write(src.read())
            os.chmod(p, 0o644)
            try:
                load_secret_key(p)
                got = "accept"
            except Refusal as e:
                got = e.cls
            yield {"extra": "unprotected key file at mode 0644", "expected": "insecure permissions",
                   "got": got, "ok": got == "insecure permissions"}
            os.chmod(p, 0o600)
            try:
                load_secret_key(p)
                got = "accept"
            except Refusal as e:
                got = e.cls
            yield {"extra": "unprotected key file at mode 0600", "expected": "accept", "got": got,
                   "ok": got == "accept"}
    keys = os.path.join(base, "keys")
    if os.path.isdir(keys):
        ring = {e.name: e for e in load_keyring(os.path.join(keys, "bob-keyring.txt"))} \
            if os.path.exists(os.path.join(keys, "bob-keyring.txt")) else {}
        for fn in sorted(os.listdir(keys)):
            if not fn.endswith(".key"):
                continue
            ident = load_secret_key(os.path.join(keys, fn), check_mode=False)
            pub = os.path.join(keys, fn.replace("TEST-ONLY-", "").replace(".key", ".pub"))
            ok = os.path.exists(pub) and read_pub_file(pub) == ident.public
            if ident.name in ring:
                ok = ok and ring[ident.name].public == ident.public
            yield {"extra": f"keys/{fn}", "name": ident.name, "key_id": ident.key_id,
                   "in_bob_keyring": ring[ident.name].status if ident.name in ring else None, "ok": ok}


# --------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------

def _passphrase(args) -> Optional[str]:
    """KEYS "Passphrase sources": --passphrase-file, then AI_MEM_PASSPHRASE
    (plus --passphrase for tests; no terminal prompt)."""
    if getattr(args, "passphrase", None) is not None:
        return args.passphrase
    if getattr(args, "passphrase_file", None):
        with open(args.passphrase_file, "rb") as fh:
            raw = fh.read(PASSPHRASE_FILE_MAX + 1)
        if len(raw) > PASSPHRASE_FILE_MAX:
            raise Refusal("passphrase required", "passphrase file larger than 4 KiB")
        first = raw.decode("utf-8").split("\n", 1)[0]
        return first[:-1] if first.endswith("\r") else first
    return os.environ.get("AI_MEM_PASSPHRASE")


def _load_identity(args, path) -> Identity:
    return load_secret_key(path, _passphrase(args), check_mode=not args.allow_insecure_key_mode)


def cmd_read(args) -> int:
    try:
        ident = [_load_identity(args, args.identity)] + [_load_identity(args, p) for p in args.retired]
        reader = Reader(ident, load_keyring(args.keyring))
        store = Store.holding_own_row(args.own_row) if args.own_row else Store()
        for p in args.after:
            apply_snapshot(store, read_snapshot_file(p, reader, store.ledger), reader)
        res = read_snapshot_file(args.file, reader, store.ledger)
        merge_counts, outcomes = apply_snapshot(store, res, reader)
    except Refusal as e:
        print(json.dumps({"result": "reject", "error": e.cls, "detail": e.detail}, ensure_ascii=False))
        return 1
    print(json.dumps({"result": "accept", "metadata": res["metadata"], "records": res["records"],
                      "tombstones": res["tombstones"], "signer": res["signer"],
                      "already_merged": res["already_merged"], "replay": res["replay"],
                      "missing_base": res["missing_base"], "chunks": res["chunks"], "counts": merge_counts, "outcomes": outcomes},
                     ensure_ascii=False))
    return 0


def cmd_write(args) -> int:
    signer = _load_identity(args, args.identity)
    recipients = [read_pub_file(p) for p in args.to]
    with open(args.records, "rb") as fh:
        spec = json.loads(fh.read())
    if isinstance(spec, list):
        spec = {"records": spec}
    records = [normalise_input_record(r) for r in spec["records"]]
    payload = spec.get("payload", 1)
    tombs = []
    if payload == 2:
        # Records and tombstones without `author` are the writer's own: signed by it.
        # One given with `author` is relayed as it is.
        records = [r if "author" in r else authored(r, signer) for r in records]
        tombs = [t if "tombstone" in t else tombstone(t["id"], t["deleted_at"], signer)
                 for t in spec.get("tombstones", [])]
    emb = spec.get("embedding", {"model": args.embedding_model, "dim": args.embedding_dim})
    tmp = args.out + ".tmp"
    with open(tmp, "wb") as out:
        meta = write_snapshot(out, signer, recipients, records, tombs, embedding_model=emb["model"],
                              embedding_dim=emb["dim"], filters=spec.get("filters"),
                              created_at=spec.get("created_at"), snapshot_id=spec.get("snapshot_id"),
                              payload=payload, base=spec.get("base"))
    os.replace(tmp, args.out)
    print(json.dumps({"written": args.out, "snapshot_id": meta["snapshot_id"], "count": meta["count"],
                      "recipients": meta["recipients"]}))
    return 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)

    def key_args(sp):
        sp.add_argument("--identity", required=True, help="secret key file (KEYS.md)")
        sp.add_argument("--passphrase", help="passphrase (tests only; else --passphrase-file or AI_MEM_PASSPHRASE)")
        sp.add_argument("--passphrase-file")
        sp.add_argument("--allow-insecure-key-mode", action="store_true",
                        help="skip the 0600 check (for keys from a git checkout)")

    r = sub.add_parser("read", help="read and verify a snapshot as for a merge")
    key_args(r)
    r.add_argument("--retired", action="append", default=[], help="retired secret key file")
    r.add_argument("--keyring", required=True)
    r.add_argument("--after", action="append", default=[], help="snapshot merged first (ledger and store state)")
    r.add_argument("--own-row", help="model a store that holds one memory of its own user with this id "
                                     "(check-vectors uses bob-own)")
    r.add_argument("file")
    r.set_defaults(fn=cmd_read)

    w = sub.add_parser("write", help="write a snapshot")
    key_args(w)
    w.add_argument("--to", action="append", required=True, help="recipient .pub file")
    w.add_argument("--records", required=True,
                   help="JSON list of records, or {records, embedding, filters, created_at, snapshot_id, "
                        "payload: 1|2, tombstones: [{id, deleted_at}], base: {snapshot_id, sequence}}")
    w.add_argument("--embedding-model", default="lexical-hash-384-v1")
    w.add_argument("--embedding-dim", type=int, default=384)
    w.add_argument("out")
    w.set_defaults(fn=cmd_write)

    c = sub.add_parser("check-vectors", help="run a vector manifest")
    c.add_argument("manifest")
    c.set_defaults(fn=lambda a: check_vectors(a.manifest))

    args = p.parse_args(argv)
    try:
        return args.fn(args)
    except Refusal as e:
        print(json.dumps({"result": "reject", "error": e.cls, "detail": e.detail}, ensure_ascii=False), file=sys.stderr)
        return 1
    except (OSError, ValueError) as e:
        print(json.dumps({"result": "error", "detail": f"{type(e).__name__}: {e}"}, ensure_ascii=False), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
