#!/usr/bin/env python3
"""Write the reference vectors in ./vectors with aimem_snapshot.py's writer.

Every snapshot is signed by a committed TEST-ONLY key from Tests/Vectors/keys and
readable by bob (TEST-ONLY-bob.key with bob-keyring.txt, or, for three payload-2
vectors, vectors/bob-keyring-carol-mine.txt), so the Swift suite can merge them.
Randomness (file key, stanzas, nonces, stanza order) is fresh on every run, so the
.aimem bytes change; the records, metadata, author signatures and sidecars do not.

The payload-1 vectors are unchanged; the payload-2 ones (FORMAT §4.4-§4.7, §6.3)
carry `counts` in the manifest: the merge outcome on a store that holds one memory
of bob's own, id `bob-own`, after the entry's `before` snapshots.

    /root/.cache/ai-mem/venv/bin/python3 Tests/Reference/snapshot/make_vectors.py
"""

import base64
import hashlib
import json
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import aimem_snapshot as A  # noqa: E402

KEYS = os.path.normpath(os.path.join(HERE, "../../Vectors/keys"))
OUT = os.path.join(HERE, "vectors")
MODEL, DIM = "lexical-hash-384-v1", 384      # the embedding model the Swift vectors declare
BASE_TIME = 1795200000.0                     # created_at of the first vector; +60 s each


def key(name):
    # git does not keep file modes: the committed TEST-ONLY keys are 0644.
    return A.load_secret_key(os.path.join(KEYS, f"TEST-ONLY-{name}.key"), check_mode=False)


def pub(name):
    return A.read_pub_file(os.path.join(KEYS, f"{name}.pub"))


def vector(values):
    """base64 of little-endian float32 values (FORMAT §4.2)."""
    return base64.b64encode(struct.pack(f"<{len(values)}f", *values)).decode("ascii")


def unit_vector(seed, dim=DIM):
    # Deterministic, exactly representable float32 values (multiples of 1/1024).
    vals = [((i * 37 + seed * 101) % 257 - 128) / 1024.0 for i in range(dim)]
    return vector(vals)


def record(rid, content, **kw):
    r = {
        "id": rid,
        "session_id": "ref-session-1",
        "project": "/reference/python",
        "type": "note",
        "concept": None,
        "title": f"reference record {rid}",
        "content": content,
        "summary": None,
        "content_hash": A.content_hash(content),
        "created_at": BASE_TIME - 86400.25,
        "updated_at": BASE_TIME - 3600.5,
        "importance_score": 0.5,
        "tags": ["reference"],
        "metadata": {"source": "aimem_snapshot.py"},
        "diff": None,
        "assets": [],
        "embedding": None,
    }
    r.update(kw)
    if "content_hash" not in kw:
        r["content_hash"] = A.content_hash(r["content"])
    return r


def small_records():
    return [
        record("ref-small-1", "The reference reader was written from FORMAT.md alone.",
               type="decision", concept="independent-implementation", tags=["reference", "format"]),
        record("ref-small-2", "Chunks are 65 536 plaintext bytes; the final one carries the signature.",
               summary="chunking rule", importance_score=0.75, session_id=None),
        record("ref-small-3", "Stanzas are sealed boxes of the file key, shuffled.",
               title=None, tags=[], metadata={}, diff="--- a\n+++ b\n@@ -1 +1 @@\n-old\n+new\n"),
    ]


def unicode_records():
    return [
        record("ref-ünïcödé-日本語-🦊", "Grüße aus Zürich — 你好，世界 — مرحبا بالعالم — Ελληνικά — 🦊🔐\n"
               "second line\twith a tab, a \"quote\", a backslash \\ and U+2028 [\u2028] U+2029 [\u2029]",
               project="/projets/café-crème",
               type="décision",
               concept="écriture ✍️",
               title="Titre accentué — ταυτότητα",
               summary="résumé: e\u0301 (combining) vs é (precomposed)",
               tags=["日本語", "émoji-🦊", "ascii", "Ωmega"],
               metadata={"clé": "valeur", "数": [1, 2.5, -3, True, False, None], "nested": {"ключ": {"deeper": ["ü"]}},
                         "empty": {}, "🦊": "fox"},
               importance_score=-1.25,
               assets=[{"kind": "link", "url": "https://example.invalid/ü"}, "plain-string-asset", 42],
               embedding={"model": MODEL, "dim": DIM, "vector": unit_vector(1)}),
        record("ref-foreign-model", "An embedding of another model keeps its own dimension.",
               embedding={"model": "ref-foreign-model-v1", "dim": 8,
                          "vector": vector([0.0, -0.0, 1.0, -1.0, 0.5, 1e-40, 3.4028234663852886e38, -2.0])}),
        record("ref-null-embedding", "No embedding: the reader computes one with its own embedder.",
               embedding=None),
    ]


def edge_records():
    """Values the spec allows but a store might be tempted to normalise."""
    return [
        record("ref-edge-numbers", "Timestamps at the epoch and in 2100; a tiny importance.",
               created_at=0, updated_at=4102444800.125, importance_score=1e-300),
        record("ref-edge-empty-project", "An empty project string (FORMAT: `project` is a string).",
               project="", session_id=None, title=None, tags=["dup", "dup"], metadata={"k": None}),
        record("ref-edge-long-id-" + "i" * 183, "An id of exactly 200 bytes.",
               embedding={"model": "m" * 200, "dim": 1, "vector": vector([0.25])}),
    ]


def big_records(n=36, size=6000):
    out = []
    for i in range(n):
        body = (f"chunk-spanning record {i}: " + "lorem ipsum dolor sit amet " * (size // 27))[:size]
        out.append(record(f"ref-big-{i:03d}", body, tags=["reference", "multi-chunk"],
                          embedding={"model": MODEL, "dim": DIM, "vector": unit_vector(i + 10)}))
    return out


def padded_to(target_plaintext_len, signer, recipients, meta_args):
    """One record whose content is padded so that the plaintext is exactly
    `target_plaintext_len` bytes (to exercise the short-MESSAGE-chunk rule)."""
    def plain_len(k):
        recs = [record("ref-padded", "x" * k)]
        meta = A.build_metadata(signer, recipients, 1, **meta_args)
        return len(A.encode_plaintext(meta, recs)), recs
    n1, _ = plain_len(1)
    n, recs = plain_len(1 + target_plaintext_len - n1)
    assert n == target_plaintext_len, n
    return recs


def main():
    os.makedirs(OUT, exist_ok=True)
    check_signed_encoding()
    alice, carol, bob = key("alice"), key("carol"), key("bob")
    cases = []

    def case(name, signer, to, records, note, **extra):
        i = len(cases)
        meta_args = dict(embedding_model=MODEL, embedding_dim=DIM,
                         created_at=BASE_TIME + 60 * i,
                         snapshot_id=f"00000000-0000-4000-8000-{0x5eed0000 + i:012x}")
        meta_args.update(extra)
        if callable(records):
            records = records(signer, to, meta_args)
        cases.append((name, signer, to, records, note, meta_args))

    case("ref-three-records", alice, [pub("bob")], small_records(),
         "three ordinary records, alice to bob")
    case("ref-empty", alice, [pub("bob")], [],
         "no records: metadata and signature only")
    case("ref-unicode-embeddings", alice, [pub("bob"), pub("alice")], unicode_records(),
         "non-ASCII everywhere, metadata, assets, own-model, foreign-model and null embeddings",
         filters={"project": "/projets/café-crème", "type": None, "tags": ["日本語"], "since": 1790000000.5})
    case("ref-multi-chunk", alice, [pub("bob")], big_records(),
         "36 records of about 8 KiB: five chunks")
    case("ref-five-recipients", alice, [pub(n) for n in ("alice", "bob", "carol", "mallory", "rita")],
         small_records()[:1] + [record("ref-five-2", "sent to five recipients")],
         "five recipients (stanzas shuffled)")
    case("ref-carol-signed", carol, [pub("bob"), pub("carol")],
         [record("ref-carol-1", "signed by carol, a trusted keyring entry")],
         "signed by carol, another trusted keyring entry")
    case("ref-short-message-chunk", alice, [pub("bob")],
         lambda s, to, ma: padded_to(65500, s, to, ma),
         "plaintext of exactly 65 500 bytes: a short MESSAGE chunk, then a FINAL chunk of the signature only")
    case("ref-edge-values", alice, [pub("bob")], edge_records(),
         "allowed edge values: created_at 0, importance 1e-300, empty project, repeated tag, "
         "a 200-byte id, a 200-byte model id of dim 1")
    case("ref-self-signed", bob, [pub("bob")],
         [record("ref-bob-1", "bob's own snapshot, read back by bob")],
         "signed by the reader's own identity")

    reader = A.Reader([bob], A.load_keyring(os.path.join(KEYS, "bob-keyring.txt")))
    manifest = []
    for name, signer, to, records, note, meta_args in cases:
        path = os.path.join(OUT, name + ".aimem")
        with open(path, "wb") as f:
            meta = A.write_snapshot(f, signer, to, records, **meta_args)
        res = A.read_snapshot_file(path, reader)          # check with our own reader
        assert res["records"] == records and res["metadata"] == meta, name
        sidecar = {
            "file": name + ".aimem",
            "signer": signer.name, "signer_key_id": signer.key_id,
            "reader": "bob", "reader_key_id": bob.key_id,
            "chunks": res["chunks"],
            "metadata": meta,
            "records": records,
            "note": "records exactly as the reader stores them; an embedding of null means "
                    "the reader computes one with its own embedder (FORMAT §6)",
        }
        with open(os.path.join(OUT, name + ".expected.json"), "w", encoding="utf-8") as f:
            json.dump(sidecar, f, ensure_ascii=False, indent=2)
            f.write("\n")
        manifest.append({
            "file": name + ".aimem", "kind": "snapshot", "expect": "accept", "error": "",
            "note": note, "signer": signer.name, "signer_key_id": signer.key_id,
            "reader": "bob", "reader_identity": "../../../Vectors/keys/TEST-ONLY-bob.key",
            "reader_keyring": "../../../Vectors/keys/bob-keyring.txt",
            "recipients": meta["recipients"], "count": len(records), "chunks": len(res["chunks"]),
            "expected": name + ".expected.json",
        })
        print(f"{name}: {len(records)} records, chunks {res['chunks']}")
    manifest += payload2_vectors(alice, bob, carol, key("mallory"), key("rita"))
    with open(os.path.join(OUT, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=2)
        f.write("\n")


# --------------------------------------------------------------------------
# Isolated reject vectors: each is a genuine, correctly signed snapshot whose
# single record line carries exactly one defect that FORMAT §4/§4.1/§6 names.
# Unlike Tests/Vectors/snapshots/payload-json-*, the line is otherwise a valid
# record, so only the check under test can refuse it.
# --------------------------------------------------------------------------

def isolated_rejects(alice, bob_pub):
    base = record("ref-isolated", "An otherwise valid record.", title="isolated")
    good = A.dump_json(base)

    def meta(count=1, **kw):
        m = A.build_metadata(alice, [bob_pub], count, embedding_model=MODEL, embedding_dim=DIM,
                             created_at=BASE_TIME + 7200, snapshot_id="00000000-0000-4000-8000-0000000000ff")
        m.update(kw)        # the defect, after the writer's own checks
        return A.dump_json(m)

    def plain(meta_line, *record_lines):
        return b"".join((l if isinstance(l, bytes) else l.encode("utf-8")) + b"\n"
                        for l in (meta_line, *record_lines))

    def sub(old, new):
        assert good.count(old) == 1, old
        return good.replace(old, new)

    deep = "[" * 69 + "]" * 69      # the record object + `metadata` + 69 arrays = 71 levels
    yield ("reject-lone-surrogate-in-metadata", "invalid payload", "a lone \\ud800 escape in a metadata value",
           plain(meta(), sub('"metadata":{"source":"aimem_snapshot.py"}', '"metadata":{"source":"\\ud800"}')))
    yield ("reject-lone-surrogate-in-key", "invalid payload", "a lone \\udc00 escape in a metadata key",
           plain(meta(), sub('"metadata":{"source":"aimem_snapshot.py"}', '"metadata":{"\\udc00":1}')))
    yield ("reject-duplicate-key-title", "invalid payload", "the member title given twice (same value)",
           plain(meta(), sub('"title":"isolated"', '"title":"isolated","title":"isolated"')))
    yield ("reject-duplicate-key-escaped", "invalid payload", "title and \\u0074itle: duplicate after unescaping",
           plain(meta(), sub('"title":"isolated"', '"title":"isolated","\\u0074itle":"isolated"')))
    yield ("reject-nesting-71-in-metadata", "invalid payload", "arrays nested 71 levels deep inside metadata",
           plain(meta(), sub('"metadata":{"source":"aimem_snapshot.py"}', '"metadata":{"a":' + deep + '}')))
    yield ("reject-bom-before-record", "invalid payload", "a UTF-8 byte-order mark before a valid record",
           plain(meta(), b"\xef\xbb\xbf" + good.encode()))
    yield ("reject-bom-before-metadata", "invalid payload", "a UTF-8 byte-order mark before the metadata",
           plain(b"\xef\xbb\xbf" + meta().encode(), good))
    yield ("reject-invalid-utf8-in-content", "invalid payload", "a 0xFF byte inside the content string",
           plain(meta(), sub('"content":"An otherwise', '"content":"An \udcff otherwise').encode("utf-8", "surrogateescape")))
    yield ("reject-overlong-utf8-in-content", "invalid payload", "an overlong encoding of '/' inside the content",
           plain(meta(), good.encode().replace(b"An otherwise", b"An \xc0\xaf otherwise")))
    yield ("reject-raw-control-char-in-content", "invalid payload", "a raw U+0001 inside the content string",
           plain(meta(), sub('"content":"An otherwise', '"content":"An \x01 otherwise')))
    yield ("reject-raw-tab-in-content", "invalid payload", "a raw TAB inside a string (JSON needs \\t)",
           plain(meta(), sub('"content":"An otherwise', '"content":"An \t otherwise')))
    yield ("reject-nan-in-metadata", "invalid payload", "a NaN literal inside metadata",
           plain(meta(), sub('"metadata":{"source":"aimem_snapshot.py"}', '"metadata":{"x":NaN}')))
    yield ("reject-snapshot-id-201-bytes", "invalid payload", "a snapshot_id of 201 bytes",
           plain(meta(snapshot_id="s" * 201), good))
    yield ("reject-embedding-model-201-bytes", "invalid payload", "a record embedding model id of 201 bytes",
           plain(meta(), sub('"embedding":null', '"embedding":{"model":"' + "m" * 201 + '","dim":1,"vector":"AACAPg=="}')))
    yield ("reject-metadata-dim-4097", "invalid payload", "metadata embedding.dim 4097",
           plain(meta(embedding={"model": MODEL, "dim": 4097}), good))
    yield ("reject-embedding-extra-member", "invalid payload", "a record embedding with a fourth member (SPEC-GAP: §4.2 does not say `exactly` for the embedding object)",
           plain(meta(), sub('"embedding":null', '"embedding":{"model":"x","dim":1,"vector":"AACAPg==","norm":1}')))


def write_isolated(alice, bob_pub):
    entries = []
    isolated = list(isolated_rejects(alice, bob_pub))
    isolated += list(isolated_rejects_payload2(alice, bob_pub))
    for name, error, note, plaintext in isolated:
        with open(os.path.join(OUT, name + ".aimem"), "wb") as f:
            A.write_raw_snapshot(f, alice, [bob_pub], plaintext)
        entries.append({"file": name + ".aimem", "kind": "snapshot", "expect": "reject", "error": error,
                        "note": note, "signer": "alice", "reader": "bob",
                        "reader_identity": "../../../Vectors/keys/TEST-ONLY-bob.key",
                        "reader_keyring": "../../../Vectors/keys/bob-keyring.txt"})
    # reused snapshot id (FORMAT §6): the same id merged first with other content
    rec_a = [record("ref-reused-a", "first content under this id")]
    rec_b = [record("ref-reused-b", "other content under the same id")]
    args = dict(embedding_model=MODEL, embedding_dim=DIM, created_at=BASE_TIME + 9000,
                snapshot_id="00000000-0000-4000-8000-0000000000ee")
    for name, recs in (("reused-id-first", rec_a), ("reject-reused-snapshot-id", rec_b)):
        with open(os.path.join(OUT, name + ".aimem"), "wb") as f:
            A.write_snapshot(f, alice, [bob_pub], recs, **args)
    entries.append({"file": "reject-reused-snapshot-id.aimem", "kind": "snapshot", "expect": "reject",
                    "error": "reused snapshot id", "before": ["reused-id-first.aimem"],
                    "note": "the same snapshot_id as reused-id-first.aimem (merged first) with other records",
                    "signer": "alice", "reader": "bob",
                    "reader_identity": "../../../Vectors/keys/TEST-ONLY-bob.key",
                    "reader_keyring": "../../../Vectors/keys/bob-keyring.txt"})
    with open(os.path.join(OUT, "manifest-isolated-rejects.json"), "w", encoding="utf-8") as f:
        json.dump(entries, f, ensure_ascii=False, indent=2)
        f.write("\n")
    print(f"{len(entries)} isolated reject vectors")


# --------------------------------------------------------------------------
# Payload 2 (FORMAT §4.4-§4.7, §6.3)
# --------------------------------------------------------------------------

P2_TIME = BASE_TIME + 20000                  # created_at of the first payload-2 vector; +60 s each
J = A.JNum
BOB_MINE_KEYRING = "bob-keyring-carol-mine.txt"


def check_signed_encoding():
    """A hand-built FORMAT §4.6 encoding, byte by byte, so that the writer and
    the reader (which share record_encoding) cannot drift from the text together."""
    h = "0" * 64
    line = ('{"assets":[false,"s"],"id":"a","session_id":null,"project":"","type":"t","concept":null,'
            '"title":null,"content":"\\u0063","summary":null,"content_hash":"' + h + '",'
            '"created_at":946684800,"updated_at":-0.0,"importance_score":5e-1,"tags":["x"],'
            '"metadata":{"k":1.0,"b":true},"diff":null}')
    u32 = lambda n: struct.pack("<I", n)
    s = lambda t: b"\x05" + u32(len(t.encode())) + t.encode()
    d = lambda x: b"\x03" + struct.pack("<d", x)
    want = (s("a") + b"\x00" + s("") + s("t") + b"\x00" + b"\x00" + s("c") + b"\x00" + s(h)
            + d(946684800.0) + d(0.0) + d(0.5) + b"\x06" + u32(1) + s("x")
            + b"\x07" + u32(2) + s("k") + b"\x04" + u32(3) + b"1.0" + s("b") + b"\x02"
            + b"\x00" + b"\x06" + u32(2) + b"\x01" + s("s"))
    got = A.record_encoding(A.parse_json_strict(line, keep_text=True))
    assert got == want, (got.hex(), want.hex())
    t = A.tombstone_encoding(A.parse_json_strict('{"id":"é","deleted_at":1e9}', keep_text=True))
    assert t == b"\x05" + u32(2) + "é".encode() + d(1e9), t.hex()
    msg = A.author_message(A.RECORD_SIG_PREFIX, "0123456789abcdef", b"")
    assert msg == b"ai-mem record v2\x00" + b"0123456789abcdef" + hashlib.blake2b(b"", digest_size=64).digest()
    assert len(A.TOMBSTONE_SIG_PREFIX) == 19 and len(A.RECORD_SIG_PREFIX) == 16


def p2record(rid, content, **kw):
    return record(rid, content, **kw)


def relay_rewritten(alice):
    """alice's record, signed as alice wrote it, then written by the relay with
    other member order, escapes and spellings of its finite numbers (the
    encoding does not depend on them), keeping the free-form number texts and
    the strings' code points (which it does depend on)."""
    rec = p2record("p2-relay-rewritten", "Grüße — a/b — e\u0301 (decomposed) — 🦊",
                   title="é (precomposed)", importance_score=0,
                   metadata={"one": J("1.0"), "hundred": J("1E2"), "neg0": J("-0"), "huge": J("1e999"),
                             "long": J("1" + "0" * 399), "z": {"b": [J("2.50"), J("-1e-400")], "a": None}},
                   assets=[J("0.1"), {"k": "ü"}, True])
    signed = A.authored(rec, alice)
    shown = dict(signed)
    shown["importance_score"] = J("-0.0")             # zero is signed as +0
    shown["updated_at"] = J("1.7951963995e9")         # the same double as 1795196399.5
    shown["created_at"] = J("179511359975E-2")        # 1795113599.75
    shown = dict(reversed(list(shown.items())))      # top-level member order
    text = A.dump_json(shown, ensure_ascii=True).replace("a/b", "a\\/b")
    assert "\\/" in text and "\\u00fc" in text
    return A.RawLine(text)


def payload2_vectors(alice, bob, carol, mallory, rita):
    """Payload-2 accept vectors with the counts FORMAT §6.3 gives on bob's store
    (one own memory, id bob-own).  `want` is written here by hand from the spec;
    the store model of aimem_snapshot.py must agree with it."""
    entries, cases, made = [], [], {}
    to_bob = [pub("bob")]
    T = lambda i: P2_TIME + 60 * i                   # created_at of case i

    def case(name, signer, records, tombstones, note, want, before=(), keyring=None):
        cases.append((name, signer, records, tombstones, note, want, list(before), keyring))

    def x_record(content="The memory that later vectors relay, edit and delete.", **kw):
        return p2record("p2-x", content, **kw)

    other = p2record("p2-other", "Some other content that alice signed.")
    x = A.authored(x_record(), alice)
    gone_t = P2_TIME - 100.5
    never_seen = A.tombstone("p2-never-seen", gone_t, alice)

    case("p2-own-records", alice,
         [A.authored(p2record("p2-own-1", "Payload 2: alice's own record, signed by her."), alice),
          A.authored(p2record("p2-own-2", "Free-form numbers are signed as written.",
                              metadata={"n": J("1.0"), "e": J("2E3"), "s": "x"}, assets=[J("-0"), J("1.5e-3")]),
                     alice)],
         [], "payload 2: two records authored and signed by the signer", {"added": 2})
    case("p2-empty", alice, [], [], "payload 2: no records, no tombstones", {k: 0 for k in A.COUNT_KEYS})
    case("p2-relay-carol-of-alice", carol,
         [A.authored(p2record("p2-relay-1", "alice wrote this; carol relays it with alice's signature."), alice)],
         [], "carol relays a record alice signed: verified with bob's copy of alice's key", {"added": 1, "forged_author": 0})
    case("p2-relay-rewritten", carol, [relay_rewritten(alice)], [],
         "carol relays alice's record with other member order, \\u and \\/ escapes, -0.0 and exponent spellings "
         "of its finite numbers; free-form numbers (1.0, 1E2, -0, 1e999, a 400-digit integer) kept as written",
         {"added": 1, "forged_author": 0})
    case("p2-self-relay-null", bob,
         [A.authored(p2record("p2-null-by-bob", "alice's record with no signature, vouched for by bob's own snapshot."),
                     alice.key_id, None)],
         [], "bob's own snapshot relays an alice record with signature null: accepted (the signer is bob's own key)",
         {"added": 1, "unknown_author": 0})
    case("p2-relay-null-unknown", carol,
         [A.authored(p2record("p2-null-by-carol", "alice's record with no signature, relayed by carol."),
                     alice.key_id, None)],
         [], "carol relays an alice record with signature null: unknown author", {"added": 0, "unknown_author": 1})
    case("p2-forged-author", carol,
         [A.authored(p2record("p2-forged", "carol claims alice wrote this."), alice.key_id, A.sign_record(other, alice))],
         [], "carol relays a record claiming alice, with alice's signature over other content: forged author",
         {"added": 0, "forged_author": 1})
    orig_a = p2record("p2-forged-order", "metadata member order is signed", metadata={"a": J("1"), "b": J("2")})
    orig_b = p2record("p2-forged-number", "free-form number text is signed", metadata={"x": J("1.0")})
    orig_c = p2record("p2-forged-nfc", "strings are signed without normalisation", title="caf\u00e9")
    case("p2-forged-rewrites", carol,
         [A.authored(dict(orig_a, metadata={"b": J("2"), "a": J("1")}), alice.key_id, A.sign_record(orig_a, alice)),
          A.authored(dict(orig_b, metadata={"x": J("1")}), alice.key_id, A.sign_record(orig_b, alice)),
          A.authored(dict(orig_c, title="cafe\u0301"), alice.key_id, A.sign_record(orig_c, alice))],
         [], "carol relays three alice records rewritten after signing: metadata members reordered, 1.0 written 1, "
             "é decomposed: each is a forged author", {"added": 0, "forged_author": 3})
    case("p2-unknown-author-mallory", carol,
         [A.authored(p2record("p2-by-mallory", "mallory wrote this; bob does not know mallory."), mallory)],
         [], "carol relays a record signed by mallory, who is not in bob's keyring: unknown author",
         {"added": 0, "unknown_author": 1})
    case("p2-revoked-author-rita", carol,
         [A.authored(p2record("p2-by-rita", "rita wrote this; bob revoked rita."), rita)],
         [], "carol relays a record signed by rita, revoked in bob's keyring: unknown author",
         {"added": 0, "unknown_author": 1, "forged_author": 0})
    case("p2-signer-bad-line-signature", alice,
         [A.authored(p2record("p2-unchecked", "alice is the signer; the line's own signature is not checked."),
                     alice.key_id, A.sign_record(other, alice))],
         [], "author = signer with a line signature over other content: accepted, kept unchecked",
         {"added": 1, "forged_author": 0})
    case("p2-not-the-author-bob-own", alice,
         [A.authored(p2record("bob-own", "alice's version of bob's memory."), alice)],
         [], "alice's record for bob's own memory bob-own: not the author", {"not_the_author": 1, "conflicts": 0})
    case("p2-bob-edits-own", bob,
         [A.authored(p2record("bob-own", "bob's new version of his own memory."), bob)],
         [], "bob's own snapshot with a new version of bob-own: a conflict (policy newer)",
         {"conflicts": 1, "not_the_author": 0})
    case("p2-tombstone-recorded", alice, [], [never_seen],
         "a tombstone by alice for an id bob lacks: kept", {"tombstones_recorded": 1})
    case("p2-tombstone-not-the-author", carol, [], [A.tombstone("bob-own", gone_t, carol)],
         "a tombstone by carol for bob's own memory: not the author, the row stays",
         {"not_the_author": 1, "deleted": 0, "tombstones_recorded": 0})
    case("p2-tombstone-own-deletes", bob, [], [A.tombstone("bob-own", gone_t, bob)],
         "a tombstone by bob himself for bob-own: deleted", {"deleted": 1})
    case("p2-forged-tombstone", carol, [],
         [A.tombstone("p2-forged-gone", gone_t, alice.key_id, A.sign_tombstone("p2-forged-gone", gone_t + 1, alice))],
         "carol relays a tombstone claiming alice, signed over another deleted_at: forged author",
         {"forged_author": 1, "tombstones_recorded": 0})
    case("p2-setup-x", alice, [x], [], "alice adds p2-x (the `before` of the next vectors)", {"added": 1})
    case("p2-unchanged-relay", carol, [x], [], "after p2-setup-x: carol relays the same version of p2-x: unchanged",
         {"unchanged": 1, "added": 0}, before=["p2-setup-x"])
    case("p2-conflict-newer", alice,
         [A.authored(x_record(content="alice's edited version of p2-x.", updated_at=BASE_TIME - 60.0), alice)],
         [], "after p2-setup-x: alice's newer version of p2-x: a conflict", {"conflicts": 1},
         before=["p2-setup-x"])
    case("p2-carol-writes-alices-id", carol,
         [A.authored(x_record(content="carol's version of alice's p2-x."), carol)],
         [], "after p2-setup-x: carol's own record for alice's p2-x: not the author",
         {"not_the_author": 1, "conflicts": 0}, before=["p2-setup-x"])
    case("p2-delete-x", alice, [], [A.tombstone("p2-x", P2_TIME - 30.25, alice)],
         "after p2-setup-x: alice's tombstone for p2-x: deleted", {"deleted": 1}, before=["p2-setup-x"])
    case("p2-kept-deleted", carol, [x], [],
         "after p2-setup-x and p2-delete-x: carol relays alice's p2-x again: kept deleted",
         {"kept_deleted": 1, "added": 0}, before=["p2-setup-x", "p2-delete-x"])
    case("p2-tombstone-unchanged", carol, [], [never_seen],
         "after p2-tombstone-recorded: carol relays alice's tombstone: unchanged",
         {"tombstones_unchanged": 1, "tombstones_recorded": 0, "forged_author": 0}, before=["p2-tombstone-recorded"])
    case("p2-tombstone-blocks-only-its-author", carol,
         [A.authored(p2record("p2-never-seen", "carol's own memory under an id alice deleted."), carol)],
         [], "after p2-tombstone-recorded: carol's own record under that id: added (a tombstone blocks its author only)",
         {"added": 1, "kept_deleted": 0}, before=["p2-tombstone-recorded"])
    case("p2-after-payload-1", carol, [A.authored(small_records()[0], alice)], [],
         "after the payload-1 ref-three-records (alice): carol relays ref-small-1 as alice signed it: unchanged",
         {"unchanged": 1, "added": 0}, before=["ref-three-records"])
    case("p2-mixed", carol,
         [A.authored(p2record("p2-mixed-1", "relayed, verified"), alice),
          A.authored(p2record("p2-mixed-2", "by mallory"), mallory),
          A.authored(p2record("p2-mixed-3", "unsigned"), alice.key_id, None),
          A.authored(p2record("bob-own", "carol's version of bob's memory"), carol)],
         [A.tombstone("p2-mixed-gone", gone_t, alice), A.tombstone("p2-mixed-carol-gone", gone_t, carol)],
         "one snapshot, every line judged on its own: added, unknown (mallory), unknown (null), not the author, "
         "two tombstones recorded",
         {"added": 1, "unknown_author": 2, "not_the_author": 1, "tombstones_recorded": 2, "forged_author": 0})

    def edge_times(i):
        hi = T(i) + 86400
        return ([A.authored(p2record("p2-edge-low", "created and updated exactly at 2000-01-01T00:00:00Z",
                                     created_at=946684800, updated_at=946684800.0), alice),
                 A.authored(p2record("p2-edge-high", "updated exactly one day after the snapshot's created_at",
                                     updated_at=hi), alice)],
                [A.tombstone("p2-edge-gone", hi, alice)])
    case("p2-edge-times", alice, edge_times, None,
         "times exactly at the bounds of §4.7: 946684800 and metadata created_at + 86400",
         {"added": 2, "tombstones_recorded": 1})
    # bob's keyring with carol marked `mine` (as if carol's key were another device of bob's)
    case("p2-mine-null-relay", carol,
         [A.authored(p2record("p2-mine-null", "unsigned alice record relayed by bob's other device"), alice.key_id, None)],
         [], "reader keyring marks carol `mine`: her relay of an unsigned alice record is accepted",
         {"added": 1, "unknown_author": 0}, keyring=BOB_MINE_KEYRING)
    case("p2-mine-tombstone-own-row", carol, [], [A.tombstone("bob-own", gone_t, carol)],
         "reader keyring marks carol `mine`: her tombstone for bob-own deletes it", {"deleted": 1, "not_the_author": 0},
         keyring=BOB_MINE_KEYRING)
    case("p2-mine-edits-own-row", carol,
         [A.authored(p2record("bob-own", "a new version of bob-own from bob's other device"), carol)],
         [], "reader keyring marks carol `mine`: her record for bob-own is a conflict, not `not the author`",
         {"conflicts": 1, "not_the_author": 0}, keyring=BOB_MINE_KEYRING)

    with open(os.path.join(KEYS, "bob-keyring.txt"), encoding="utf-8") as f:
        ring = f.read()
    assert "[carol]\n" in ring
    mine_ring = ("# TEST-ONLY: bob's keyring with carol marked as another device of bob's (KEYS.md `mine`).\n"
                 + ring.replace("[carol]\n", "[carol]\nmine = true\n"))
    with open(os.path.join(OUT, BOB_MINE_KEYRING), "w", encoding="utf-8") as f:
        f.write(mine_ring)

    ring_path = lambda k: (os.path.join(OUT, k) if k else os.path.join(KEYS, "bob-keyring.txt"))
    for i, (name, signer, records, tombstones, note, want, before, keyring) in enumerate(cases):
        if callable(records):
            records, tombstones = records(i)
        reader = A.Reader([bob], A.load_keyring(ring_path(keyring)))
        meta_args = dict(embedding_model=MODEL, embedding_dim=DIM, created_at=T(i), payload=2,
                         snapshot_id=f"00000000-0000-4000-8002-{0x5eed0000 + i:012x}")
        path = os.path.join(OUT, name + ".aimem")
        with open(path, "wb") as f:
            meta = A.write_snapshot(f, signer, to_bob, records, tombstones, **meta_args)
        store = A.Store.holding_own_row(A.MODEL_OWN_ROW)
        for b in before:
            A.apply_snapshot(store, A.read_snapshot_file(os.path.join(OUT, b + ".aimem"), reader, store.ledger), reader)
        res = A.read_snapshot_file(path, reader, store.ledger)
        got, outcomes = A.apply_snapshot(store, res, reader)
        bad = {k: (v, got[k]) for k, v in want.items() if got[k] != v}
        assert not bad, (name, bad, outcomes)
        # What the reader stores: the lines as written (free-form numbers as their text).
        as_written = [A.parse_json_strict(str(r) if isinstance(r, A.RawLine) else A.dump_json(r), keep_text=True)
                      for r in records]
        tomb_lines = [A.parse_json_strict(A.dump_json(t), keep_text=True) for t in tombstones]
        assert res["records"] == [A.to_plain(r) for r in as_written] and res["metadata"] == meta, name
        assert res["tombstones"] == [A.to_plain(t) for t in tomb_lines], name
        sidecar = {
            "file": name + ".aimem",
            "signer": signer.name, "signer_key_id": signer.key_id,
            "reader": "bob", "reader_key_id": bob.key_id,
            "reader_keyring": keyring or "../../../Vectors/keys/bob-keyring.txt",
            "store_before": {"rows": [A.MODEL_OWN_ROW], "then_merged": [b + ".aimem" for b in before]},
            "chunks": res["chunks"],
            "metadata": meta,
            "records": as_written,
            "tombstones": tomb_lines,
            "outcomes": outcomes,
            "note": "records and tombstones exactly as written (free-form numbers as their text); `outcomes`: "
                    "FORMAT §6.3 for each line, on a store holding one memory of bob's own (id bob-own) "
                    "after the `before` snapshots; policy newer",
        }
        with open(os.path.join(OUT, name + ".expected.json"), "w", encoding="utf-8") as f:
            f.write(A.dump_json_pretty(sidecar))
            f.write("\n")
        entries.append({
            "file": name + ".aimem", "kind": "snapshot", "expect": "accept", "error": "",
            "note": note, "payload": 2, "signer": signer.name, "signer_key_id": signer.key_id,
            "reader": "bob", "reader_identity": "../../../Vectors/keys/TEST-ONLY-bob.key",
            "reader_keyring": keyring or "../../../Vectors/keys/bob-keyring.txt",
            **({"before": [b + ".aimem" for b in before]} if before else {}),
            "recipients": meta["recipients"], "count": len(records), "tombstones": len(tombstones),
            "chunks": len(res["chunks"]), "counts": want,
            "expected": name + ".expected.json",
        })
        print(f"{name}: {len(records)} records, {len(tombstones)} tombstones, counts {want}")
    return entries


def isolated_rejects_payload2(alice, bob_pub):
    """Payload-2 reject vectors: genuine signed snapshots, one defect each."""
    created = BASE_TIME + 7200

    def meta(count=1, tombstones=0, payload=2, defect=None, drop=()):
        m = A.build_metadata(alice, [bob_pub], count, embedding_model=MODEL, embedding_dim=DIM,
                             created_at=created, snapshot_id="00000000-0000-4000-8002-0000000000ff",
                             payload=payload, tombstones=tombstones)
        m.update(defect or {})        # the defect, after the writer's own checks
        for k in drop:
            del m[k]
        return A.dump_json(m)

    def plain(meta_line, *lines):
        return b"".join(l.encode("utf-8") + b"\n" for l in (meta_line, *lines))

    base = record("ref-isolated", "An otherwise valid record.", title="isolated")
    rec = lambda **kw: A.dump_json(A.authored(dict(base, **kw), alice))
    good = rec()
    tomb = lambda rid="ref-isolated-gone", t=BASE_TIME, sig="sign": A.dump_json(A.tombstone(rid, t, alice, sig))

    def sub(old, new, line=None):
        line = good if line is None else line
        assert line.count(old) == 1, old
        return line.replace(old, new)

    sig = A.sign_record(base, alice)
    yield ("reject-p2-author-missing", "invalid payload", "payload 2: a record without `author`",
           plain(meta(), A.dump_json(base)))
    yield ("reject-p1-author-present", "invalid payload", "payload 1: a record with an `author` member",
           plain(meta(payload=1), good))
    yield ("reject-p1-tombstones-member", "invalid payload", "payload 1: metadata with `tombstones`: 0",
           plain(meta(payload=1, defect={"tombstones": 0}), A.dump_json(base)))
    yield ("reject-p2-tombstones-missing", "invalid payload", "payload 2: metadata without `tombstones`",
           plain(meta(drop=("tombstones",)), good))
    yield ("reject-p2-version-3", "invalid payload", "ai_mem_snapshot 3", plain(meta(defect={"ai_mem_snapshot": 3}), good))
    yield ("reject-p2-version-2.0", "invalid payload", "ai_mem_snapshot written 2.0",
           plain(meta().replace('"ai_mem_snapshot":2,', '"ai_mem_snapshot":2.0,'), good))
    yield ("reject-p2-key-id-uppercase", "invalid payload", "author.key_id in uppercase hex",
           plain(meta(), sub(alice.key_id, alice.key_id.upper())))
    yield ("reject-p2-key-id-15", "invalid payload", "author.key_id of 15 characters",
           plain(meta(), sub(alice.key_id, alice.key_id[:15])))
    noncanon = sig[:85] + A.B64URL_ALPHABET[A.B64URL_ALPHABET.index(sig[85]) | 1] + "=="
    assert sig.endswith("==") and noncanon != sig and base64.b64decode(noncanon) == base64.b64decode(sig)
    yield ("reject-p2-signature-noncanonical", "invalid payload",
           "author.signature whose last data character has unused bits set (same 64 bytes)",
           plain(meta(), sub(sig, noncanon)))
    sig63 = base64.b64encode(base64.b64decode(sig)[:63]).decode()
    yield ("reject-p2-signature-63-bytes", "invalid payload", "author.signature of 63 bytes",
           plain(meta(), sub(sig, sig63)))
    yield ("reject-p2-signature-unpadded", "invalid payload", "author.signature without its == padding",
           plain(meta(), sub(sig, sig[:-2])))
    yield ("reject-p2-author-extra-member", "invalid payload", "author with a third member",
           plain(meta(), sub('"signature":"', '"name":"alice","signature":"')))
    yield ("reject-p2-author-null", "invalid payload", "author null instead of an object",
           plain(meta(), A.dump_json(dict(base, author=None))))
    yield ("reject-p2-tombstone-null-signature", "invalid payload", "a tombstone whose signature is null",
           plain(meta(tombstones=1), good, tomb(sig=None)))
    yield ("reject-p2-tombstone-extra-member", "invalid payload", "a tombstone line with a second top-level member",
           plain(meta(tombstones=1), good, tomb()[:-1] + ',"note":"x"}'))
    yield ("reject-p2-tombstone-in-record-position", "invalid payload",
           "count 1 and tombstones 1, the tombstone line written first",
           plain(meta(tombstones=1), tomb(), good))
    yield ("reject-p2-record-created-before-2000", "invalid payload", "record created_at 946684799.5 (re-signed)",
           plain(meta(), rec(created_at=946684799.5)))
    yield ("reject-p2-updated-after-skew", "invalid payload",
           "record updated_at one second past metadata created_at + 86400 (re-signed)",
           plain(meta(), rec(updated_at=created + 86401)))
    yield ("reject-p2-deleted-at-before-2000", "invalid payload", "tombstone deleted_at 946684799 (signed)",
           plain(meta(tombstones=1), good, tomb(t=946684799)))
    yield ("reject-p2-metadata-created-2100", "invalid payload",
           "metadata created_at 4102444800 (2100-01-01): beyond the reader's clock + 1 day",
           plain(meta(defect={"created_at": 4102444800}), good))
    yield ("reject-p2-metadata-created-before-2000", "invalid payload", "metadata created_at 946684799",
           plain(meta(defect={"created_at": 946684799}), A.dump_json(A.authored(dict(base, created_at=946684800,
                                                                         updated_at=946684800), alice))))
    yield ("reject-p2-duplicate-record-tombstone", "duplicate id", "a tombstone with the id of the snapshot's record",
           plain(meta(tombstones=1), good, tomb(rid="ref-isolated")))
    yield ("reject-p2-duplicate-two-tombstones", "duplicate id", "two tombstones with the same id",
           plain(meta(count=0, tombstones=2), tomb(), tomb()))
    yield ("reject-p2-count-missing-tombstone", "count mismatch", "tombstones 1, but no tombstone line",
           plain(meta(tombstones=1), good))
    yield ("reject-p2-count-extra-tombstone", "count mismatch", "tombstones 0, but a tombstone line follows",
           plain(meta(tombstones=0), good, tomb()))


if __name__ == "__main__":
    main()
    write_isolated(key("alice"), pub("bob"))
