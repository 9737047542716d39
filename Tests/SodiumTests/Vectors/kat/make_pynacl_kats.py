#!/usr/bin/env python3
"""Writes sealed-box.json and secretstream.json (decrypt-only known-answer tests).

Both files hold two kinds of cases, told apart by each case's "provenance":

* "published": fixed vectors printed in other projects' test suites
  (sealed box: pyca/pynacl tests/data/sealed_box_ref.txt; secretstream:
  orion-rs/orion src/hazardous/aead/xchacha20poly1305_stream.rs, whose values
  its authors generated with libsodium), embedded below and checked by
  decrypting them with PyNaCl before anything is written. Cases marked
  "derived" are those vectors with one thing changed, so that they must fail.
* "generated": made by this script with PyNaCl (libsodium bindings). They are
  NOT published vectors. crypto_box_seal and
  crypto_secretstream_xchacha20poly1305_init_push pick their ephemeral key /
  header at random, so every run writes different ciphertexts; each one is
  decrypted again with PyNaCl before it is written.

Usage (from any directory):
    python3 make_pynacl_kats.py          # rewrite both files next to this script
    python3 make_pynacl_kats.py --check  # only check the existing files with PyNaCl

Needs PyNaCl: python3 -m venv /root/.cache/ai-mem/venv &&
/root/.cache/ai-mem/venv/bin/pip install pynacl
"""

import json
import os
import sys

import nacl
import nacl.bindings as b
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox

HERE = os.path.dirname(os.path.abspath(__file__))
GENERATED = "generated with PyNaCl %s (libsodium bindings), not a published vector" % nacl.__version__

TAGS = {
    b.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE: "MESSAGE",
    b.crypto_secretstream_xchacha20poly1305_TAG_PUSH: "PUSH",
    b.crypto_secretstream_xchacha20poly1305_TAG_REKEY: "REKEY",
    b.crypto_secretstream_xchacha20poly1305_TAG_FINAL: "FINAL",
}
TAG_VALUES = {v: k for k, v in TAGS.items()}

# RFC 7748 section 6.1 key pairs (X25519 keys are crypto_box keys).
ALICE_SK = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"
ALICE_PK = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
BOB_SK = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"
BOB_PK = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"

# pyca/pynacl tests/data/sealed_box_ref.txt (commit 526d9729a262d9954d2ec220bcfe1221f9dde166):
# recipient sk, recipient pk, plaintext, ciphertext.
PYNACL_SEALED_PT = (
    "be075fc53c81f2d5cf141316ebeb0c7b5228c52a4c62cbd44b66849b64244ffce5ecbaaf33bd751a1ac728d4"
    "5e6c61296cdc3c01233561f41db66cce314adb310e3be8250c46f06dceea3a7fa1348057e2f6556ad6b1318a"
    "024a838f21af1fde048977eb48f59ffd4924ca1c60902e52f0a089bc76897040e082f937763848645e0705"
)
PYNACL_SEALED_CT = (
    "199c808806a62c1be56951023ad3396b0ce0ef2c5b9ca688ac96d2d06ca43f65d314400cc9bbefb23dd26f82"
    "4c9cb553f81e8c894ea9a553f4d777c77b66d5a6925da3f5961c5f7147172db5597ac14210066ee3ee13e623"
    "0a9a9610e9cddbf24094f54fbbf6694c08a436cec39ff5a373656d9584f4df9dd8c817e2e597540628d0ee21"
    "a6524a3fcf3eabdc0968390bd260a47366ead7f71cc2e774d411d96f3497c7e10291937bc16dc46a111686b8"
    "5a8c86"
)
PYNACL_SEALED_SOURCE = "pyca/pynacl tests/data/sealed_box_ref.txt (commit 526d9729a262d9954d2ec220bcfe1221f9dde166)"

# orion-rs/orion src/hazardous/aead/xchacha20poly1305_stream.rs, test module `private`,
# test_seal_open_with_explicit_rekey (commit 0649d7b3ceeb5befa25e671ba57e94ec5d1667bc).
# orion's "nonce" is libsodium's 24-byte secretstream header. No additional data is used.
ORION_SOURCE = ("orion-rs/orion src/hazardous/aead/xchacha20poly1305_stream.rs, test "
                "test_seal_open_with_explicit_rekey (commit 0649d7b3ceeb5befa25e671ba57e94ec5d1667bc); "
                "orion states its values were generated with libsodium")
ORION_KEY = bytes([49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102, 103, 104, 105,
                   106, 107, 108, 109, 111, 110, 112, 113, 114, 115, 116, 117, 118, 0])
ORION_HEADER = bytes([97, 98, 97, 98, 97, 98, 97, 98, 97, 98, 97, 98, 97, 98, 97, 98, 97, 98, 97,
                      97, 98, 97, 98, 0])
ORION_CHUNKS = [  # (plaintext, ciphertext), all tag MESSAGE
    (bytes([116, 101, 115, 116, 49, 0]),
     bytes([252, 164, 0, 196, 27, 198, 8, 57, 216, 118, 134, 104, 156, 45, 71, 161, 199, 28, 79,
            145, 19, 239, 4])),
    (bytes([116, 104, 105, 115, 32, 105, 115, 32, 108, 111, 110, 103, 101, 114, 32, 116, 101, 120,
            116, 0]),
     bytes([243, 52, 124, 173, 133, 44, 99, 244, 250, 89, 101, 142, 59, 49, 221, 52, 176, 214, 13,
            247, 86, 17, 125, 232, 120, 223, 48, 134, 116, 8, 207, 180, 241, 76, 26, 33, 207])),
    (bytes([49, 0]),
     bytes([237, 198, 240, 172, 65, 39, 16, 160, 230, 17, 189, 54, 93, 173, 243, 103, 185, 53,
            219])),
    # after an explicit crypto_secretstream_xchacha20poly1305_rekey():
    (bytes([102, 105, 114, 115, 116, 32, 116, 101, 120, 116, 32, 97, 102, 116, 101, 114, 32, 114,
            101, 107, 101, 121, 0]),
     bytes([210, 9, 37, 11, 182, 190, 88, 175, 0, 12, 125, 154, 63, 104, 166, 255, 231, 12, 233,
            57, 206, 99, 82, 23, 188, 216, 140, 182, 202, 245, 255, 244, 104, 89, 216, 168, 68, 130,
            12, 80])),
    (bytes([116, 104, 105, 115, 32, 105, 115, 32, 116, 104, 101, 32, 115, 101, 99, 111, 110, 100,
            32, 116, 101, 120, 116, 32, 97, 102, 116, 101, 114, 32, 114, 101, 107, 101, 121, 0]),
     bytes([122, 17, 56, 176, 124, 172, 219, 248, 0, 37, 184, 242, 65, 248, 69, 242, 158, 119, 20,
            17, 225, 10, 107, 240, 210, 134, 6, 182, 91, 243, 243, 20, 30, 205, 232, 167, 247, 49,
            38, 5, 153, 237, 8, 19, 125, 226, 190, 189, 167, 33, 189, 74, 189])),
]


def flip(data, index, mask=0x01):
    out = bytearray(data)
    out[index] ^= mask
    return bytes(out)


# ----------------------------------------------------------------- sealed boxes

def seal_open(ct_hex, pk_hex, sk_hex):
    """Plaintext bytes, or None when crypto_box_seal_open fails."""
    try:
        return b.crypto_box_seal_open(bytes.fromhex(ct_hex), bytes.fromhex(pk_hex), bytes.fromhex(sk_hex))
    except (CryptoError, ValueError, TypeError):
        return None


def sealed_case(name, provenance, source, pk, sk, ct, pt, expect, **extra):
    case = {"name": name, "provenance": provenance, "source": source,
            "recipient_public_key": pk, "recipient_secret_key": sk,
            "ciphertext": ct.hex() if isinstance(ct, bytes) else ct,
            "plaintext": pt.hex() if isinstance(pt, bytes) else pt, "expect": expect}
    case.update(extra)
    return case


def build_sealed_box():
    pub_ct = bytes.fromhex(PYNACL_SEALED_CT)
    cases = [sealed_case("PyNaCl sealed_box_ref.txt vector (recipient = RFC 7748 Alice)", "published",
                         PYNACL_SEALED_SOURCE, ALICE_PK, ALICE_SK, pub_ct, bytes.fromhex(PYNACL_SEALED_PT),
                         "valid")]
    derived = "derived from " + PYNACL_SEALED_SOURCE + " (one thing changed; not published)"
    cases += [
        sealed_case("derived: published vector, last byte (MAC region) flipped", "derived", derived,
                    ALICE_PK, ALICE_SK, flip(pub_ct, len(pub_ct) - 1), None, "invalid"),
        sealed_case("derived: published vector, first byte (ephemeral public key) flipped", "derived", derived,
                    ALICE_PK, ALICE_SK, flip(pub_ct, 0), None, "invalid"),
        sealed_case("derived: published vector, byte 40 (Poly1305 tag) flipped", "derived", derived,
                    ALICE_PK, ALICE_SK, flip(pub_ct, 40), None, "invalid"),
        sealed_case("derived: published vector opened with the wrong recipient (RFC 7748 Bob)", "derived", derived,
                    BOB_PK, BOB_SK, pub_ct, None, "invalid"),
        sealed_case("derived: published vector truncated by one byte", "derived", derived,
                    ALICE_PK, ALICE_SK, pub_ct[:-1], None, "invalid"),
        sealed_case("derived: ciphertext shorter than crypto_box_SEALBYTES (47 bytes)", "derived", derived,
                    ALICE_PK, ALICE_SK, pub_ct[:47], None, "invalid",
                    note="libsodium returns -1 for clen < crypto_box_SEALBYTES (48)"),
    ]
    box = SealedBox(PublicKey(bytes.fromhex(BOB_PK)))
    for name, pt, extra in [
        ("generated: empty plaintext (ciphertext is exactly crypto_box_SEALBYTES = 48 bytes)", b"", {}),
        ("generated: 'hello' (recipient = RFC 7748 Bob)", b"hello", {"plaintext_utf8": "hello"}),
        ("generated: 1000 bytes 00..ff repeating", bytes(i % 256 for i in range(1000)), {}),
    ]:
        cases.append(sealed_case(name, "generated", GENERATED, BOB_PK, BOB_SK, box.encrypt(pt), pt, "valid", **extra))
    return {
        "primitive": "crypto_box_seal / crypto_box_seal_open (sealed boxes: X25519 + XSalsa20-Poly1305, nonce = BLAKE2b(epk || pk))",
        "source": ("published: " + PYNACL_SEALED_SOURCE + "; cases with provenance 'derived' change one thing in it; "
                   "cases with provenance 'generated' were " + GENERATED + " (make_pynacl_kats.py)"),
        "notes": [
            "Decrypt-only: sealing is randomised (fresh ephemeral key pair), so only crypto_box_seal_open can be checked against fixed bytes.",
            "expect=valid: crypto_box_seal_open(m, ciphertext, len, recipient_public_key, recipient_secret_key) returns 0 and m == plaintext.",
            "expect=invalid: crypto_box_seal_open returns -1.",
            "Recipient key pairs are RFC 7748 section 6.1 Alice and Bob (X25519 keys serve as crypto_box keys).",
        ],
        "cases": cases,
    }


def check_sealed_box(doc):
    for case in doc["cases"]:
        got = seal_open(case["ciphertext"], case["recipient_public_key"], case["recipient_secret_key"])
        if case["expect"] == "valid":
            assert got is not None and got.hex() == case["plaintext"], case["name"]
        else:
            assert got is None, case["name"]
    return len(doc["cases"])


# ----------------------------------------------------------------- secretstream

def pull_stream(key_hex, header_hex, chunks):
    """Pulls each chunk in order. Returns a list of (plaintext bytes, tag int) and the index that failed, or None."""
    state = b.crypto_secretstream_xchacha20poly1305_state()
    b.crypto_secretstream_xchacha20poly1305_init_pull(state, bytes.fromhex(header_hex), bytes.fromhex(key_hex))
    out = []
    for i, chunk in enumerate(chunks):
        if chunk.get("explicit_rekey_before"):
            b.crypto_secretstream_xchacha20poly1305_rekey(state)
        ad = bytes.fromhex(chunk["additional_data"]) or None
        try:
            m, tag = b.crypto_secretstream_xchacha20poly1305_pull(state, bytes.fromhex(chunk["ciphertext"]), ad)
        except (CryptoError, ValueError, RuntimeError):
            return out, i
        out.append((m, tag))
    return out, None


def chunk(ct, ad, pt, tag, **extra):
    c = {"ciphertext": ct.hex(), "additional_data": ad.hex(),
         "plaintext": None if pt is None else pt.hex(),
         "tag": None if tag is None else TAGS[tag], "tag_value": tag}
    c.update(extra)
    return c


def failing(c, **changes):
    """A copy of chunk c that must fail to pull: no expected plaintext or tag."""
    out = {k: v for k, v in c.items() if k != "plaintext_utf8"}
    out.update(changes, plaintext=None, tag=None, tag_value=None)
    return out


def stream_case(name, provenance, source, key, header, chunks, expect, fails_at=None, **extra):
    case = {"name": name, "provenance": provenance, "source": source, "key": key.hex(), "header": header.hex(),
            "chunks": chunks, "expect": expect}
    if fails_at is not None:
        case["fails_at_chunk"] = fails_at
    case.update(extra)
    return case


def push_stream(key, parts):
    """parts: list of (plaintext, additional data, tag). Returns header and chunk dicts."""
    state = b.crypto_secretstream_xchacha20poly1305_state()
    header = b.crypto_secretstream_xchacha20poly1305_init_push(state, key)
    chunks = []
    for pt, ad, tag in parts:
        ct = b.crypto_secretstream_xchacha20poly1305_push(state, pt, ad or None, tag)
        chunks.append(chunk(ct, ad, pt, tag))
    return header, chunks


def build_secretstream():
    M = b.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
    F = b.crypto_secretstream_xchacha20poly1305_TAG_FINAL
    orion = [chunk(ct, b"", pt, M) for pt, ct in ORION_CHUNKS]
    orion[3]["explicit_rekey_before"] = True
    derived = "derived from " + ORION_SOURCE + " (one thing changed; not published)"
    cases = [
        stream_case("orion secretstream vector, chunks 1-3 (three MESSAGE chunks, no additional data, no rekey)",
                    "published", ORION_SOURCE, ORION_KEY, ORION_HEADER, [dict(c) for c in orion[:3]], "valid",
                    note="the stream's last chunk is tagged MESSAGE, not FINAL (orion's test never sends FINAL)"),
        stream_case("orion secretstream vector, chunks 1-5 with crypto_secretstream_xchacha20poly1305_rekey() before chunk 4",
                    "published", ORION_SOURCE, ORION_KEY, ORION_HEADER, [dict(c) for c in orion], "valid",
                    note="needs an explicit rekey call (explicit_rekey_before) on the pull state between chunks 3 and 4"),
        stream_case("derived: orion chunk 3 pulled right after chunk 1 (chunk dropped / reordered)", "derived", derived,
                    ORION_KEY, ORION_HEADER,
                    [dict(orion[0]), failing(orion[2])], "invalid", fails_at=1),
        stream_case("derived: orion chunk 1 pulled with additional data 01 (it was pushed without)", "derived", derived,
                    ORION_KEY, ORION_HEADER,
                    [failing(orion[0], additional_data="01")], "invalid", fails_at=0),
        stream_case("derived: orion chunk 1 with its first (encrypted tag) byte flipped", "derived", derived,
                    ORION_KEY, ORION_HEADER,
                    [failing(orion[0], ciphertext=flip(ORION_CHUNKS[0][1], 0).hex())],
                    "invalid", fails_at=0),
        stream_case("derived: orion chunk 1 with its last (MAC) byte flipped", "derived", derived,
                    ORION_KEY, ORION_HEADER,
                    [failing(orion[0], ciphertext=flip(ORION_CHUNKS[0][1], 22).hex())],
                    "invalid", fails_at=0),
        stream_case("derived: orion chunk 1 under a header with its last byte changed", "derived", derived,
                    ORION_KEY, flip(ORION_HEADER, 23),
                    [failing(orion[0])], "invalid", fails_at=0),
    ]

    key = bytes(range(0x20, 0x40))
    parts = [
        (b"first chunk, with additional data", b"ad-1", M),
        (b"second chunk, no additional data; " + bytes(range(64)), b"", M),
        (b"", b"", M),
        (b"last chunk, tagged FINAL", b"final-ad", F),
    ]
    header, chunks = push_stream(key, parts)
    for c, (pt, _, _) in zip(chunks, parts):
        try:
            c["plaintext_utf8"] = pt.decode("utf-8")
        except UnicodeDecodeError:
            pass
    gen_note = "key = 20..3f; header chosen at random by init_push"
    cases.append(stream_case("generated: 4 chunks (MESSAGE with ad, MESSAGE 98 bytes, MESSAGE empty, FINAL with ad), no rekey",
                             "generated", GENERATED, key, header, chunks, "valid", note=gen_note))
    bad = [dict(c) for c in chunks]
    bad[1], bad[2] = failing(chunks[2]), dict(chunks[1])
    cases.append(stream_case("derived from the generated 4-chunk stream: chunks 2 and 3 swapped", "generated", GENERATED,
                             key, header, bad[:2], "invalid", fails_at=1))
    bad = [dict(c) for c in chunks]
    bad[3] = failing(chunks[3], additional_data=b"final-ae".hex())
    cases.append(stream_case("derived from the generated 4-chunk stream: FINAL chunk pulled with different additional data",
                             "generated", GENERATED, key, header, bad, "invalid", fails_at=3))
    bad = [dict(c) for c in chunks]
    bad[3] = failing(chunks[3], ciphertext=chunks[3]["ciphertext"][:-2])
    cases.append(stream_case("derived from the generated 4-chunk stream: FINAL chunk truncated by one byte",
                             "generated", GENERATED, key, header, bad, "invalid", fails_at=3))

    header2, chunks2 = push_stream(key, [(b"", b"", F)])
    cases.append(stream_case("generated: a single empty FINAL chunk (17 bytes), no additional data",
                             "generated", GENERATED, key, header2, chunks2, "valid", note=gen_note))
    return {
        "primitive": "crypto_secretstream_xchacha20poly1305 (init_pull, pull, rekey)",
        "source": ("published: " + ORION_SOURCE + "; cases with provenance 'derived' change one thing in it; "
                   "cases with provenance 'generated' were " + GENERATED + " (make_pynacl_kats.py)"),
        "notes": [
            "Decrypt-only: init_push picks the 24-byte header at random, so only pulling can be checked against fixed bytes.",
            "Pull: crypto_secretstream_xchacha20poly1305_init_pull(state, header, key), then for each chunk in order "
            "(calling crypto_secretstream_xchacha20poly1305_rekey(state) first when explicit_rekey_before is true) "
            "crypto_secretstream_xchacha20poly1305_pull(state, m, &mlen, &tag, ciphertext, len, additional_data or NULL, len).",
            "expect=valid: every pull returns 0, m == plaintext and tag == tag_value (MESSAGE = 0, FINAL = 3).",
            "expect=invalid: the chunks before fails_at_chunk pull as stated; the pull of chunk fails_at_chunk returns -1.",
            "additional_data '' means none (NULL, 0). Each ciphertext is 17 bytes (crypto_secretstream_xchacha20poly1305_ABYTES) longer than its plaintext.",
        ],
        "cases": cases,
    }


def check_secretstream(doc):
    for case in doc["cases"]:
        got, failed = pull_stream(case["key"], case["header"], case["chunks"])
        want_fail = case.get("fails_at_chunk")
        assert failed == want_fail, (case["name"], failed, want_fail)
        assert case["expect"] == ("valid" if want_fail is None else "invalid"), case["name"]
        for (m, tag), c in zip(got, case["chunks"]):
            assert m.hex() == c["plaintext"] and tag == c["tag_value"] and TAG_VALUES[c["tag"]] == tag, case["name"]
    return len(doc["cases"])


def write(name, doc):
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")


def main():
    if "--check" not in sys.argv[1:]:
        sealed, stream = build_sealed_box(), build_secretstream()
        check_sealed_box(sealed)       # nothing is written unless every case decrypts as stated
        check_secretstream(stream)
        write("sealed-box.json", sealed)
        write("secretstream.json", stream)
    for name, check in (("sealed-box.json", check_sealed_box), ("secretstream.json", check_secretstream)):
        with open(os.path.join(HERE, name)) as f:
            print("%s: %d cases check out with PyNaCl %s" % (name, check(json.load(f)), nacl.__version__))


if __name__ == "__main__":
    main()
