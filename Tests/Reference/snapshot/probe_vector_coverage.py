#!/usr/bin/env python3
"""Which reader checks do the hostile vectors actually pin?

Mutation probe: for each entry below, one check of aimem_snapshot.py is disabled
(or loosened) by a textual edit of an in-memory copy of the source, and the
vector manifest is run again.  A mutation that changes no vector's outcome, error
class, merge counts (`counts_agree`), per-line outcomes or stored records is a
check that no vector pins: a reader without it passes the suite.

    /root/.cache/ai-mem/venv/bin/python3 Tests/Reference/snapshot/probe_vector_coverage.py \
        Tests/Vectors/manifest.json
"""

import io
import json
import os
import sys
import types

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "aimem_snapshot.py"), encoding="utf-8") as _f:
    SOURCE = _f.read()

# (name, FORMAT/KEYS rule, old text, new text)
MUTATIONS = [
    ("lone surrogates accepted", "FORMAT §4", 'if _SURROGATE_RE.search(v):', 'if False:'),
    ("duplicate JSON keys accepted (last wins)", "FORMAT §4", 'if k in obj:   # compared', 'if False:   # compared'),
    ("no nesting limit", "FORMAT §4", 'if depth > MAX_JSON_DEPTH:', 'if False:'),
    ("nesting limit off by one (65 allowed)", "FORMAT §4", 'if depth > MAX_JSON_DEPTH:', 'if depth > MAX_JSON_DEPTH + 1:'),
    ("BOM skipped", "FORMAT §4", 'if text.startswith("\\ufeff"):\n        raise JSONRefusal("byte-order mark")',
     'if text.startswith("\\ufeff"):\n        text = text[1:]'),
    ("invalid UTF-8 replaced, not refused", "FORMAT §4", 'text = raw.decode("utf-8")          # strict',
     'text = raw.decode("utf-8", "replace")  # strict'),
    ("control characters allowed in strings", "FORMAT §4", 'json.loads(text, object_pairs_hook', 'json.loads(text, strict=False, object_pairs_hook'),
    ("NaN/Infinity literals accepted", "FORMAT §4", 'raise JSONRefusal(f"{name} is not JSON")', 'return float("nan")'),
    ("numbers beyond a double accepted", "FORMAT §4.2", 'if not math.isfinite(v):\n        raise JSONRefusal("number out of range")',
     'if False:\n        pass'),
    ("metadata line limit off by one", "FORMAT §4", 'return MAX_METADATA_LINE if', 'return MAX_METADATA_LINE + 1 if'),
    ("16 MiB line limit doubled", "FORMAT §4", 'else MAX_OTHER_LINE', 'else MAX_OTHER_LINE * 2'),
    ("unterminated last line accepted", "FORMAT §4",
     'if self.buf:\n            raise _bad("the plaintext does not end with a newline")',
     'if self.buf:\n            self.line_no += 1\n            self.on_line(self.line_no, bytes(self.buf))'),
    ("blank lines skipped", "FORMAT §4", '            self.scanned = 0\n            self.line_no += 1\n',
     '            self.scanned = 0\n            if not line:\n                continue\n            self.line_no += 1\n'),
    ("unknown metadata members ignored", "FORMAT §4.1",
     '_exact_members(m, METADATA_MEMBERS_V2 if v == 2 else METADATA_MEMBERS, "metadata", optional)',
     '_exact_members({k: m[k] for k in (METADATA_MEMBERS_V2 if v == 2 else METADATA_MEMBERS) if k in m}, METADATA_MEMBERS_V2 if v == 2 else METADATA_MEMBERS, "metadata", optional)'),
    ("nested metadata objects may hold extra members", "FORMAT §4.1",
     '_exact_members(ex, ("key_id", "name", "public_key"), "exporter")',
     '_exact_members({k: ex[k] for k in ("key_id", "name", "public_key") if k in ex}, ("key_id", "name", "public_key"), "exporter")'),
    ("snapshot_id length unbounded", "FORMAT §4.1",
     '_string(m["snapshot_id"], "snapshot_id", min_bytes=1, max_bytes=MAX_ID_BYTES)', '_string(m["snapshot_id"], "snapshot_id", min_bytes=1)'),
    ("metadata created_at may be non-finite/any number", "FORMAT §4.1",
     'if not is_finite_number(m["created_at"]):', 'if not is_number(m["created_at"]):'),
    ("exporter.key_id format unchecked", "FORMAT §4.1",
     'if not isinstance(ex["key_id"], str) or not HEX16.match(ex["key_id"]):', 'if not isinstance(ex["key_id"], str):'),
    ("recipients may be unsorted (still unique)", "FORMAT §4.1",
     'if any(a >= b for a, b in zip(r, r[1:])):', 'if len(set(r)) != len(r):'),
    ("recipients may be duplicated (still sorted)", "FORMAT §4.1",
     'if any(a >= b for a, b in zip(r, r[1:])):', 'if any(a > b for a, b in zip(r, r[1:])):'),
    ("recipients list over 64 allowed", "FORMAT §4.1",
     'if not 1 <= len(r) <= MAX_RECIPIENTS:', 'if not 1 <= len(r):'),
    ("recipient entries need not be key IDs", "FORMAT §4.1",
     'if not HEX16.match(k):\n            raise _bad(f"recipients: {k!r} is not a key ID")', 'pass'),
    ("metadata embedding.dim over 4096 allowed", "FORMAT §4.1",
     'if not is_integer(e["dim"]) or not 1 <= e["dim"] <= MAX_DIM:', 'if not is_integer(e["dim"]) or not 1 <= e["dim"]:'),
    ("metadata embedding.model length unbounded", "FORMAT §4.1/§7",
     '_string(e["model"], "embedding.model", min_bytes=1, max_bytes=MAX_ID_BYTES)\n    if not is_integer(e["dim"]) or not 1 <= e["dim"] <= MAX_DIM:\n        raise _bad(f"embedding.dim is not an integer 1 to {MAX_DIM}")\n    if v == 2:',
     '_string(e["model"], "embedding.model")\n    if not is_integer(e["dim"]) or not 1 <= e["dim"] <= MAX_DIM:\n        raise _bad(f"embedding.dim is not an integer 1 to {MAX_DIM}")\n    if v == 2:'),
    ("filters.since unchecked", "FORMAT §4.1",
     'if f["since"] is not None and not is_finite_number(f["since"]):', 'if False:'),
    ("sequence unbounded above", "FORMAT §4.1", 'seq < 1 or seq > MAX_INT64', 'seq < 1'),
    ("'integer' accepts 2.0", "FORMAT §4.1/§4.2",
     'return isinstance(v, int) and not isinstance(v, bool)',
     'return (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer())'),
    ("record embedding may hold extra members", "FORMAT §4.2",
     '_exact_members(e, ("model", "dim", "vector"), "embedding")',
     '_exact_members({k: e[k] for k in ("model", "dim", "vector") if k in e} if isinstance(e, dict) else e, ("model", "dim", "vector"), "embedding")'),
    ("record embedding.model length unbounded", "FORMAT §4.2",
     '_string(e["model"], "embedding.model", min_bytes=1, max_bytes=MAX_ID_BYTES)\n        dim',
     '_string(e["model"], "embedding.model", min_bytes=1)\n        dim'),
    ("record project must be non-empty", "FORMAT §4.2", '_string(r["project"], "project")', '_string(r["project"], "project", min_bytes=1)'),
    ("embedding vector base64 non-canonical accepted", "FORMAT §4.2",
     'if base64.b64encode(data).decode("ascii") != text:', 'if False:'),
    ("reader not in signed recipients: accepted", "FORMAT §6 step 3",
     'if opener.key_id not in meta["recipients"]:', 'if False:'),
    ("stanza count vs recipients unchecked", "FORMAT §6 step 3",
     'if len(stanzas) != len(meta["recipients"]):', 'if False:'),
    ("revoked signers accepted", "FORMAT §6 step 3, KEYS",
     'refusal = keyring_key_refusal(*found, created_at)', 'refusal = None'),
    ("no trailing-data check", "FORMAT §3", 'if _read_exact(f, 1):\n                raise Refusal("trailing data"', 'if False:\n                raise Refusal("trailing data"'),
    ("FINAL chunk under 64 bytes not refused", "FORMAT §3", 'if len(m) < SIG_LEN:', 'if False:'),
    ("PUSH/REKEY treated as MESSAGE", "FORMAT §3", 'if tag == TAG_MESSAGE:', 'if tag in (0, 1, 2):'),
    ("empty MESSAGE chunks (length 17) allowed", "FORMAT §3", 'if not MIN_CHUNK_LEN <= length <= MAX_CHUNK_LEN:', 'if not 17 <= length <= MAX_CHUNK_LEN:'),
    ("no upper bound on the length prefix", "FORMAT §3", 'if not MIN_CHUNK_LEN <= length <= MAX_CHUNK_LEN:', 'if not MIN_CHUNK_LEN <= length:'),
    ("count mismatch unchecked", "FORMAT §4.2", 'if n_lines != st["total"]:', 'if False:'),
    ("duplicate ids accepted (payload 1)", "FORMAT §4.2",
     'if rec["id"] in st["ids"]:\n                raise Refusal("duplicate id", f"id {rec[\'id\']!r} appears twice")\n            st["ids"].add(rec["id"])\n            st["records"].append(rec)\n            # For',
     'if False:\n                raise Refusal("duplicate id", f"id {rec[\'id\']!r} appears twice")\n            st["ids"].add(rec["id"])\n            st["records"].append(rec)\n            # For'),
    ("already-merged digest not compared (reused id)", "FORMAT §6",
     'if st["already_merged"] and ledger.merged[(signer_pk.key_id, sid)][0] != d:', 'if False:'),
    ("trailing data checked after the signature", "FORMAT §3/§6 precedence", [
        ('if _read_exact(f, 1):\n                raise Refusal("trailing data", f"bytes after the final chunk ({chunk})")', 'pass'),
        ('    sid = meta["snapshot_id"]\n', '    if _read_exact(f, 1):\n        raise Refusal("trailing data", "late")\n    sid = meta["snapshot_id"]\n')]),
    # payload 2 (FORMAT §4.1-§4.7)
    ("payload 2: version 3 and above read as 2", "FORMAT §4.1",
     'if not is_integer(v) or v not in PAYLOAD_VERSIONS:\n        raise _bad(f"unsupported payload version {v!r}")\n    return v',
     'if not is_integer(v) or v < 1:\n        raise _bad(f"unsupported payload version {v!r}")\n    if v > 2:\n        m["ai_mem_snapshot"] = v = 2\n    return v'),
    ("payload 2: ai_mem_snapshot 2.0 accepted", "FORMAT §4.1",
     'if not is_integer(v) or v not in PAYLOAD_VERSIONS:', 'if v not in PAYLOAD_VERSIONS:'),
    ("payload 1: `tombstones` member accepted", "FORMAT §4.1",
     'METADATA_MEMBERS_V2 if v == 2 else METADATA_MEMBERS, "metadata", optional)', 'METADATA_MEMBERS_V2 if v == 2 or "tombstones" in m else METADATA_MEMBERS, "metadata", optional)'),
    ("payload 2: `tombstones` optional (0)", "FORMAT §4.1", [
        ('METADATA_MEMBERS_V2 if v == 2 else METADATA_MEMBERS, "metadata", optional)', 'METADATA_MEMBERS_V2 if v == 2 and "tombstones" in m else METADATA_MEMBERS, "metadata", optional)'),
        ('    if v == 2:\n        t = m["tombstones"]', '    if "tombstones" in m:\n        t = m["tombstones"]'),
        ('(meta["tombstones"] if meta["ai_mem_snapshot"] == 2 else 0)', 'meta.get("tombstones", 0)')]),
    # FORMAT §4.1 `base`, §4.8 (no vector pins these yet: the Swift side adds them)
    ("payload 1: `base` accepted", "FORMAT §4.1", [
        ('if v == 1 and "base" in m:', 'if False:'),
        ('optional = METADATA_OPTIONAL_V2 if v == 2 else ()', 'optional = METADATA_OPTIONAL_V2')]),
    ("payload 2: `base` null refused", "FORMAT §4.1",
     '        validate_base(m.get("base"), seq)',
     '        if "base" in m and m["base"] is None:\n            raise _bad("base is null")\n        validate_base(m.get("base"), seq)'),
    ("payload 2: `base` with extra members accepted", "FORMAT §4.1",
     '_exact_members(b, BASE_MEMBERS, "base")', '_exact_members({k: b[k] for k in BASE_MEMBERS if k in b}, BASE_MEMBERS, "base")'),
    ("payload 2: `base.sequence` not below `sequence`", "FORMAT §4.1",
     'not 1 <= s <= sequence - 1', 'not 1 <= s'),
    ("payload 2: `base.sequence` 1.0 accepted", "FORMAT §4.1",
     'if not is_integer(s) or', 'if not is_number(s) or'),
    ("payload 2: metadata created_at not bounded by the clock", "FORMAT §4.1",
     'if not TIME_MIN <= ca <= float(now) + TIME_SKEW:', 'if not TIME_MIN <= ca:'),
    ("payload 2: metadata created_at before 2000 accepted", "FORMAT §4.1",
     'if not TIME_MIN <= ca <= float(now) + TIME_SKEW:', 'if not ca <= float(now) + TIME_SKEW:'),
    ("payload 1: `author` member accepted", "FORMAT §4.2",
     '_exact_members(r, RECORD_MEMBERS_V2 if v2 else RECORD_MEMBERS, "record")',
     '_exact_members(r, RECORD_MEMBERS_V2 if v2 or "author" in r else RECORD_MEMBERS, "record")'),
    ("payload 2: `author` optional (read as the signer)", "FORMAT §4.2", [
        ('_exact_members(r, RECORD_MEMBERS_V2 if v2 else RECORD_MEMBERS, "record")',
         '_exact_members(r, RECORD_MEMBERS_V2 if v2 and "author" in r else RECORD_MEMBERS, "record")'),
        ('    if v2:\n        validate_author(r["author"]', '    if v2 and "author" in r:\n        validate_author(r["author"]'),
        ('"author": rec["author"],\n', '"author": rec.get("author"),\n')]),
    ("author.key_id: any 16 characters", "FORMAT §4.2",
     'if not isinstance(a["key_id"], str) or not HEX16.match(a["key_id"]):',
     'if not isinstance(a["key_id"], str) or len(a["key_id"]) != 16:'),
    ("author.key_id: any length of hex", "FORMAT §4.2",
     'if not isinstance(a["key_id"], str) or not HEX16.match(a["key_id"]):',
     'if not isinstance(a["key_id"], str) or not re.fullmatch("[0-9a-f]+", a["key_id"]):'),
    ("author may hold extra members", "FORMAT §4.2",
     '_exact_members(a, ("key_id", "signature"), what)',
     '_exact_members({k: a[k] for k in ("key_id", "signature") if k in a} if isinstance(a, dict) else a, ("key_id", "signature"), what)'),
    ("author.signature: lenient base64", "FORMAT §4.2",
     '        raw = b64_decode_strict(sig)\n    except ValueError as err:\n        raise _bad(f"{what}.signature',
     '        raw = base64.b64decode(sig + "==")\n    except ValueError as err:\n        raise _bad(f"{what}.signature'),
    ("author.signature: length unchecked", "FORMAT §4.2",
     'if len(raw) != SIG_LEN:\n        raise _bad(f"{what}.signature', 'if False:\n        raise _bad(f"{what}.signature'),
    ("tombstone: null signature accepted", "FORMAT §4.5", 'if not allow_null_signature:', 'if False:'),
    ("tombstone line may hold extra members", "FORMAT §4.5",
     '_exact_members(line, ("tombstone",), "tombstone line")',
     '_exact_members({"tombstone": line.get("tombstone")} if isinstance(line, dict) else line, ("tombstone",), "tombstone line")'),
    ("payload 2: record times unbounded", "FORMAT §4.7",
     'check_time_bounds(r, ("created_at", "updated_at"), metadata)', 'pass'),
    ("payload 2: updated_at unbounded", "FORMAT §4.7",
     'check_time_bounds(r, ("created_at", "updated_at"), metadata)', 'check_time_bounds(r, ("created_at",), metadata)'),
    ("payload 2: no lower time bound", "FORMAT §4.7",
     'if not TIME_MIN <= float(obj[k]) <= hi:', 'if not float(obj[k]) <= hi:'),
    ("payload 2: upper time bound exclusive", "FORMAT §4.7",
     'if not TIME_MIN <= float(obj[k]) <= hi:', 'if not TIME_MIN <= float(obj[k]) < hi:'),
    ("payload 2: deleted_at unbounded", "FORMAT §4.7",
     'check_time_bounds(t, ("deleted_at",), metadata)', 'pass'),
    ("payload 2: free-form numbers range-checked", "FORMAT §4",
     'parse_float=JNum if keep_text else _parse_float)', 'parse_float=(lambda t: (_parse_float(t), JNum(t))[1]) if keep_text else _parse_float)'),
    ("payload 2: tombstone ids not checked for duplicates", "FORMAT §4.3",
     'if t["id"] in st["ids"]:', 'if False:'),
    ("payload 2: tombstone ids checked only against tombstones", "FORMAT §4.3",
     'if t["id"] in st["ids"]:', 'if t["id"] in {x["tombstone"]["id"] for x in st["tombstones"]}:'),
    ("payload 2: tombstones not counted", "FORMAT §4.3",
     'st["total"] = meta["count"] + (meta["tombstones"] if meta["ai_mem_snapshot"] == 2 else 0)', 'st["total"] = meta["count"]'),
    ("payload 2: missing lines accepted", "FORMAT §4.3", 'if n_lines != st["total"]:', 'if n_lines > st["total"]:'),
    ("payload 2: line kind by its shape, not by position", "FORMAT §4.5",
     'if number - 1 <= meta["count"]:\n            rec = validate_record(plain, meta)',
     'if not (isinstance(plain, dict) and "tombstone" in plain):\n            rec = validate_record(plain, meta)'),
    # author judgement and the signed encoding (FORMAT §4.6, §6.3): pinned by `counts`
    ("null signature accepted from any signer", "FORMAT §6.3",
     'return "accepted" if signer_key_id in reader.own_key_ids() else "unknown author"', 'return "accepted"'),
    ("null signature never accepted", "FORMAT §6.3",
     'return "accepted" if signer_key_id in reader.own_key_ids() else "unknown author"', 'return "unknown author"'),
    ("relayed signatures not verified", "FORMAT §6.3",
     'return "accepted" if verify_detached(b64_decode_strict(sig), msg, ed_pk) else "forged author"', 'return "accepted"'),
    ("line signature checked when author = signer", "FORMAT §6.3",
     'if k == signer_key_id:\n        return "accepted"', 'if False:\n        return "accepted"'),
    ("revoked keys count as known authors", "FORMAT §6.3, KEYS",
     'if found is None or keyring_key_refusal(*found, made_at) is not None:', 'if found is None:'),
    ("keyring `mine` entries are not own keys", "FORMAT §6.3, KEYS",
     '| {e.key_id for e in self.keyring if e.mine and e.status != "revoked"})', '| set())'),
    ("signed encoding: free-form numbers by value", "FORMAT §4.6",
     't = v.text.encode("ascii")', 't = repr(v.plain()).encode("ascii")'),
    ("signed encoding: strings NFC-normalised", "FORMAT §4.6",
     'b = s.encode("utf-8")                  # after unescaping',
     'b = __import__("unicodedata").normalize("NFC", s).encode("utf-8")  # after unescaping'),
    ("signed encoding: object members sorted", "FORMAT §4.6",
     'for k, x in v.items())\n    raise TypeError', 'for k, x in sorted(v.items()))\n    raise TypeError'),
    ("signed encoding: -0 kept negative", "FORMAT §4.6", 'if d == 0:\n        d = 0.0', 'if False:\n        d = 0.0'),
    ("signed encoding: no NUL after the prefix", "FORMAT §4.6",
     'return prefix + b"\\x00" + author_key_id.encode("ascii")', 'return prefix + author_key_id.encode("ascii")'),
    ("signed encoding: embedding signed too", "FORMAT §4.6",
     'for k in SIGNED_RECORD_MEMBERS)', 'for k in SIGNED_RECORD_MEMBERS + ("embedding",))'),
    # applying (FORMAT §6.3): pinned by `counts`
    ("merge: no `kept deleted`", "FORMAT §6.3",
     'if any(tid == rid and same_user(ta, a) for (tid, ta) in store.tombstones):', 'if False:'),
    ("merge: a tombstone blocks every author", "FORMAT §6.3",
     'if any(tid == rid and same_user(ta, a) for (tid, ta) in store.tombstones):', 'if any(tid == rid for (tid, ta) in store.tombstones):'),
    ("merge: `unchanged` not detected", "FORMAT §6.3",
     'elif row["encoding"] is not None and row["encoding"] == line["encoding"]:', 'elif False:'),
    ("merge: anyone may change any row", "FORMAT §6.3", 'elif not may_change(row["author"], a):', 'elif False:'),
    ("merge: the reader's own rows only its current key's", "FORMAT §6.3",
     'return row_author == a or reader.person(row_author) == reader.person(a)',
     'return row_author == a or (row_author is None and a == reader.identities[0].key_id)'),
    ("merge: anyone's tombstone deletes", "FORMAT §6.3",
     'if may_change(row["author"], a):\n                    del', 'if True:\n                    del'),
    ("merge: a known tombstone recorded again", "FORMAT §6.3", 'elif (rid, a) in store.tombstones:', 'elif False:'),
    # keys
    ("key line: CRC unchecked", "FORMAT §1", 'if struct.pack("<I", crc) != raw[64:68]:', 'if False:'),
    ("key line: non-canonical accepted", "FORMAT §1", 'if B64URL_ALPHABET.index(body[-1]) & 0b11:', 'if False:'),
    ("key file: key_id unchecked", "KEYS", 'if isinstance(kid, str) and kid != public.key_id:', 'if False:'),
    ("key file: minimum limits unchecked", "KEYS",
     [('if opslimit < sodium.crypto_pwhash_argon2id_OPSLIMIT_MIN:', 'if False:'),
      ('if memlimit < sodium.crypto_pwhash_argon2id_MEMLIMIT_MIN:', 'if False:')]),
    ("key file: salt length unchecked", "KEYS", 'if len(salt) != 16:', 'if False:'),
    ("key file: kdf/nonce refused with `none`", "KEYS",
     'seeds = secret                      # reading ends here',
     'if "kdf" in obj or "nonce" in obj:\n            raise _kf("kdf or nonce")\n        seeds = secret                      # reading ends here'),
    ("key file: unknown members refused", "KEYS",
     '    if not isinstance(obj, dict):\n        raise _kf("not a JSON object")\n',
     '    if not isinstance(obj, dict) or "comment" in obj:\n        raise _kf("not a JSON object")\n'),
    ("key file: retired_at/retired_reason need not come together", "KEYS",
     'if ("retired_at" in obj) != ("retired_reason" in obj):', 'if False:'),
    ("key file: any retired_reason", "KEYS",
     'if not isinstance(obj["retired_reason"], str) or obj["retired_reason"] not in RETIRED_REASONS:', 'if False:'),
    ("key file: retired_at of any type", "KEYS", 'if not isinstance(obj["retired_at"], JNum):', 'if False:'),
    ("keyring: control characters allowed", "KEYS", 'if CONTROL_RE.search(s):', 'if False:'),
    ("keyring: dates unchecked", "KEYS", 'def _valid_date(s: str) -> bool:\n    return parse_date(s) is not None',
     'def _valid_date(s: str) -> bool:\n    return True'),
    ("keyring: any status accepted", "KEYS", 'if status not in KEYRING_STATUSES:', 'if False:'),
    ("keyring: names may hold spaces", "KEYS", 'NAME_PUNCTUATION = "._-@+"', 'NAME_PUNCTUATION = "._-@+ "'),
    ("keyring: duplicate names accepted", "KEYS", 'if unicodedata.normalize("NFC", name) in names:', 'if False:'),
    ("keyring: key_id unchecked", "KEYS", 'if "key_id" in f and f["key_id"][0] != pk.key_id:', 'if False:'),
    ("keyring: revoked_at not required", "KEYS", 'if "revoked_at" not in f:\n                raise', 'if False:\n                raise'),
    ("keyring: a field may be given twice", "KEYS", 'if k in cur[2]:\n            raise', 'if False:\n            raise'),
    ("keyring: previous_key may end in any word", "KEYS",
     'if not (len(parts) == 2 or (len(parts) == 3 and parts[2] == "compromised")):', 'if not len(parts) in (2, 3):'),
    ("keyring: previous_key needs no date", "KEYS", 'parts = PREVIOUS_KEY_SEP.split(value)\n',
     'parts = PREVIOUS_KEY_SEP.split(value)\n            if len(parts) == 1:\n                parts.append("1970-01-01")\n'),
    ("keyring: previous_key dates unchecked", "KEYS", 'if until is None:', 'if False:'),
    ("keyring: current keys unique, previous and candidate keys not", "KEYS",
     'if h in holders:\n                raise serr(line', 'if False:\n                raise serr(line'),
    ("keyring: a key may repeat within its entry", "KEYS", 'if h in keys_here:', 'if False:'),
    ("keyring: candidate_key in any entry", "KEYS", 'if status != "disputed":\n                raise', 'if False:\n                raise'),
    ("keyring: confirmed_key unchecked", "KEYS", 'if confirmed not in [pk.key_id] + [p.key_id for p in previous]:', 'if False:'),
    # KEYS "What each key may sign": signers and authors of key histories
    ("previous keys valid for any time", "KEYS", 'if math.floor(made_at) > role.until:', 'if False:'),
    ("compromised previous keys accepted", "KEYS", 'if role.compromised:\n        return', 'if False:\n        return'),
    ("disputed entries' current keys accepted", "KEYS",
     'if entry.status == "disputed":\n            return Refusal', 'if False:\n            return Refusal'),
    ("candidate keys accepted", "KEYS", 'if role == "candidate":\n        return Refusal', 'if False:\n        return Refusal'),
    ("previous keys not found as signers", "KEYS", '                    return e, p, p.public', '                    pass'),
]


def run(source: str, manifest: str):
    mod = types.ModuleType("aimem_mutant")
    mod.__file__ = os.path.join(HERE, "aimem_mutant.py")
    sys.modules["aimem_mutant"] = mod
    exec(compile(source, mod.__file__, "exec"), mod.__dict__)
    buf = io.StringIO()
    mod.check_vectors(manifest, out=buf)
    rows = [json.loads(l) for l in buf.getvalue().splitlines()]
    # accept/reject and class, and the extra checks that pin the store model
    # and the signed encoding (merge counts, per-line outcomes, stored records)
    return {r["file"]: (r["got"], r["got_error"], r.get("counts_agree"), r.get("outcomes_agree"),
                        r.get("records_agree")) for r in rows if "file" in r}


def main():
    manifests = sys.argv[1:] or [os.path.join(HERE, "../../Vectors/manifest.json")]
    base = {}
    for m in manifests:
        base.update(run(SOURCE, m))
    unpinned = 0
    for name, rule, *edit in MUTATIONS:
        edits = edit[0] if len(edit) == 1 else [tuple(edit)]
        mutant = SOURCE
        for old, new in edits:
            if mutant.count(old) != 1:
                raise SystemExit(f"{name}: pattern found {mutant.count(old)} times")
            mutant = mutant.replace(old, new)
        got = {}
        for m in manifests:
            got.update(run(mutant, m))
        changed = sorted(f for f in set(base) | set(got) if base.get(f) != got.get(f))
        unpinned += not changed
        print(json.dumps({"mutation": name, "rule": rule, "pinned": bool(changed),
                          "caught_by": changed[:4] + (["…"] if len(changed) > 4 else [])}, ensure_ascii=False))
    print(json.dumps({"summary": True, "mutations": len(MUTATIONS), "unpinned": unpinned}))


if __name__ == "__main__":
    main()
