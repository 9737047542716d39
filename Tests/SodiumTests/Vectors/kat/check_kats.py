#!/usr/bin/env python3
"""Checks every *.json file in this folder against the system libsodium (through ctypes).

This is the check that was run when the files were written (libsodium 1.0.18 from
Debian's libsodium23 package). It builds nothing and writes nothing. Where PyNaCl,
argon2-cffi or cryptography are importable it also checks the same cases with them
(second opinions from other implementations: PyNaCl's bundled libsodium, the Argon2
reference code, OpenSSL); Python's hashlib is always used for BLAKE2b.

Usage: python3 check_kats.py [path/to/libsodium.so]
"""

import ctypes
import ctypes.util
import hashlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def load_libsodium():
    names = sys.argv[1:] or [ctypes.util.find_library("sodium"), "libsodium.so.23", "libsodium.so"]
    for name in names:
        if not name:
            continue
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        assert lib.sodium_init() >= 0
        lib.sodium_version_string.restype = ctypes.c_char_p
        return lib
    sys.exit("libsodium not found (apt-get install libsodium23)")


L = load_libsodium()
ull = ctypes.c_ulonglong
size_t = ctypes.c_size_t


def opt(name):
    try:
        return __import__(name, fromlist=["_"])
    except ImportError:
        return None


nacl_bindings = opt("nacl.bindings")
argon2_low = opt("argon2.low_level")
x25519_mod = opt("cryptography.hazmat.primitives.asymmetric.x25519")
H = bytes.fromhex
counts = {}
extra = {}


def ok(file, cond, name):
    if not cond:
        raise SystemExit("FAIL %s: %s" % (file, name))
    counts[file] = counts.get(file, 0) + 1


def second(label):
    extra[label] = extra.get(label, 0) + 1


def load(name):
    with open(os.path.join(HERE, name)) as f:
        return json.load(f)


# ------------------------------------------------------------------ Ed25519
def check_ed25519():
    f = "ed25519.json"
    for c in load(f)["cases"]:
        pk, msg, sig = H(c["public_key"]), H(c["message"]), H(c["signature"])
        if "seed" in c:
            p, sk = ctypes.create_string_buffer(32), ctypes.create_string_buffer(64)
            assert L.crypto_sign_seed_keypair(p, sk, H(c["seed"])) == 0
            s = ctypes.create_string_buffer(64)
            assert L.crypto_sign_detached(s, None, msg, ull(len(msg)), sk) == 0
            ok(f, p.raw == pk and s.raw == sig, c["name"] + " (keypair/sign)")
        if len(sig) != 64:
            ok(f, c["expect"] == "invalid", c["name"] + " (length)")
            continue
        rc = L.crypto_sign_verify_detached(sig, msg, ull(len(msg)), pk)
        ok(f, (rc == 0) == (c["expect"] == "valid"), c["name"])
        if nacl_bindings:
            try:
                nacl_bindings.crypto_sign_open(sig + msg, pk)
                good = True
            except Exception:
                good = False
            assert good == (c["expect"] == "valid"), c["name"]
            second("Ed25519 verify (PyNaCl)")


# ------------------------------------------------------------------ X25519
def smult(n, p):
    q = ctypes.create_string_buffer(32)
    return L.crypto_scalarmult(q, n, p), q.raw


def check_x25519():
    f = "x25519.json"
    for c in load(f)["cases"]:
        op = c["operation"]
        if op == "scalarmult_base":
            q = ctypes.create_string_buffer(32)
            ok(f, L.crypto_scalarmult_base(q, H(c["scalar"])) == 0 and q.raw.hex() == c["output"], c["name"])
        elif op == "iterated":
            k, u = H(c["scalar"]), H(c["u"])
            for _ in range(c["iterations"]):
                rc, out = smult(k, u)
                assert rc == 0
                k, u = out, k
            ok(f, k.hex() == c["output"], c["name"])
        else:
            rc, out = smult(H(c["scalar"]), H(c["u"]))
            if c["expect"] == "valid":
                ok(f, rc == 0 and out.hex() == c["output"], c["name"])
            else:
                ok(f, rc == -1, c["name"])
            if x25519_mod:
                try:
                    got = x25519_mod.X25519PrivateKey.from_private_bytes(H(c["scalar"])).exchange(
                        x25519_mod.X25519PublicKey.from_public_bytes(H(c["u"]))).hex()
                except ValueError:  # OpenSSL refuses an all-zero result
                    got = None
                assert got == c["output"], c["name"]
                second("X25519 (OpenSSL via cryptography)")


# ------------------------------------------------------------------ XChaCha20-Poly1305
def check_xchacha():
    f = "xchacha20poly1305.json"
    doc = load(f)
    for c in doc["cases"]:
        k, n, ad = H(c["key"]), H(c["nonce"]), H(c["aad"])
        ct = H(c["ciphertext"] + c["tag"])
        m = ctypes.create_string_buffer(len(ct) + 1)
        mlen = ull()
        rc = L.crypto_aead_xchacha20poly1305_ietf_decrypt(m, ctypes.byref(mlen), None, ct, ull(len(ct)),
                                                           ad, ull(len(ad)), n, k)
        if c["expect"] == "valid":
            pt = H(c["plaintext"])
            assert pt.decode() == c.get("plaintext_utf8", pt.decode())
            out = ctypes.create_string_buffer(len(pt) + 16)
            clen = ull()
            assert L.crypto_aead_xchacha20poly1305_ietf_encrypt(out, ctypes.byref(clen), pt, ull(len(pt)),
                                                                ad, ull(len(ad)), None, n, k) == 0
            ok(f, out.raw[:clen.value] == ct and rc == 0 and m.raw[:mlen.value] == pt, c["name"])
        else:
            ok(f, rc == -1, c["name"])
    for c in doc["hchacha20_cases"]:
        out = ctypes.create_string_buffer(32)
        assert L.crypto_core_hchacha20(out, H(c["input"]), H(c["key"]), None) == 0
        ok(f, out.raw.hex() == c["output"], c["name"])


# ------------------------------------------------------------------ BLAKE2b
def check_blake2b():
    f = "blake2b.json"
    for c in load(f)["cases"]:
        m, key, n = H(c["input"]), H(c["key"]), c["outlen"]
        out = ctypes.create_string_buffer(n)
        assert L.crypto_generichash(out, size_t(n), m, ull(len(m)), key or None, size_t(len(key))) == 0
        ok(f, out.raw.hex() == c["output"], c["name"])
        assert hashlib.blake2b(m, key=key, digest_size=n).hexdigest() == c["output"], c["name"]
        second("BLAKE2b (Python hashlib)")


# ------------------------------------------------------------------ Argon2id
def check_argon2id():
    f = "argon2id.json"
    alg = L.crypto_pwhash_alg_argon2id13()
    for c in load(f)["cases"]:
        pw, salt, n = H(c["password"]), H(c["salt"]), c["outlen"]
        out = ctypes.create_string_buffer(max(n, 1))
        rc = L.crypto_pwhash(out, ull(n), pw, ull(len(pw)), salt, ull(c["opslimit"]), size_t(c["memlimit"]),
                             ctypes.c_int(alg))
        if c["expect"] == "valid":
            ok(f, rc == 0 and out.raw[:n].hex() == c["output"], c["name"])
            if argon2_low:
                got = argon2_low.hash_secret_raw(pw, salt, c["opslimit"], c["memlimit"] // 1024, 1, n,
                                                 argon2_low.Type.ID, version=19)
                assert got.hex() == c["output"], c["name"]
                second("Argon2id (argon2-cffi, reference implementation)")
        else:
            ok(f, rc == -1, c["name"])


# ------------------------------------------------------------------ sealed boxes
def check_sealed_box():
    f = "sealed-box.json"
    for c in load(f)["cases"]:
        ct = H(c["ciphertext"])
        m = ctypes.create_string_buffer(max(len(ct), 1))
        rc = L.crypto_box_seal_open(m, ct, ull(len(ct)), H(c["recipient_public_key"]), H(c["recipient_secret_key"]))
        if c["expect"] == "valid":
            ok(f, rc == 0 and m.raw[:len(ct) - 48].hex() == c["plaintext"], c["name"])
        else:
            ok(f, rc == -1, c["name"])


# ------------------------------------------------------------------ secretstream
def check_secretstream():
    f = "secretstream.json"
    statebytes = L.crypto_secretstream_xchacha20poly1305_statebytes()
    for c in load(f)["cases"]:
        st = ctypes.create_string_buffer(statebytes)
        assert L.crypto_secretstream_xchacha20poly1305_init_pull(st, H(c["header"]), H(c["key"])) == 0
        failed = None
        for i, ch in enumerate(c["chunks"]):
            if ch.get("explicit_rekey_before"):
                L.crypto_secretstream_xchacha20poly1305_rekey(st)
            ct, ad = H(ch["ciphertext"]), H(ch["additional_data"])
            m = ctypes.create_string_buffer(max(len(ct), 1))
            mlen, tag = ull(), ctypes.c_ubyte()
            rc = L.crypto_secretstream_xchacha20poly1305_pull(st, m, ctypes.byref(mlen), ctypes.byref(tag), ct,
                                                              ull(len(ct)), ad or None, ull(len(ad)))
            if rc != 0:
                failed = i
                break
            assert m.raw[:mlen.value].hex() == ch["plaintext"] and tag.value == ch["tag_value"], (c["name"], i)
        ok(f, failed == c.get("fails_at_chunk") and (failed is None) == (c["expect"] == "valid"), c["name"])


if __name__ == "__main__":
    for check in (check_ed25519, check_x25519, check_xchacha, check_blake2b, check_argon2id, check_sealed_box,
                  check_secretstream):
        check()
    print("libsodium %s (ctypes):" % L.sodium_version_string().decode())
    for name, n in counts.items():
        print("  %-24s %3d checks passed" % (name, n))
    for name, n in extra.items():
        print("  second opinion: %-48s %3d cases agree" % (name, n))
