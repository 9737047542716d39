#!/usr/bin/env python3
"""Write the reference accept vectors in ./vectors with aimem_snapshot.py's writer.

Every snapshot is signed by a committed TEST-ONLY key from Tests/Vectors/keys and
readable by bob (TEST-ONLY-bob.key with bob-keyring.txt), so the Swift suite can
merge them.  Randomness (file key, stanzas, nonces, stanza order) is fresh on every
run, so the .aimem bytes change; the records, metadata and sidecars do not.

    /root/.cache/ai-mem/venv/bin/python3 Tests/Reference/snapshot/make_vectors.py
"""

import base64
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
    for name, error, note, plaintext in isolated_rejects(alice, bob_pub):
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


if __name__ == "__main__":
    main()
    write_isolated(key("alice"), pub("bob"))
