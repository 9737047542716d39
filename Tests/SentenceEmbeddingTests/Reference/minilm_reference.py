#!/usr/bin/env python3
"""An independent reference implementation of all-MiniLM-L6-v2 sentence
embeddings, written for ai-mem's tests: plain Python for the tokenizer and
numpy (float64) for the encoder. It shares no code with the Swift version and
none with Hugging Face's libraries; it follows the published BERT recipe
(google-research/bert's tokenization.py and the BERT paper) and the
sentence-transformers pipeline (mean pooling, then L2 normalisation).

    python3 minilm_reference.py MODEL_DIR SENTENCES.json OUT.json

reads the sentences (a JSON array of strings) and writes, for each, the token
ids and the 384-d vector. With --check-hf it also compares both with Hugging
Face tokenizers and sentence-transformers, when they are installed, and prints
the largest disagreement (these libraries are not needed otherwise).
"""
import json
import struct
import sys
import unicodedata

import numpy as np

# ---------------------------------------------------------------- tokenizer

CJK_RANGES = [(0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
              (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F)]


def is_control(ch):
    if ch in "\t\n\r":
        return False
    return unicodedata.category(ch).startswith("C")


def is_whitespace(ch):
    # Python's str.isspace() is Unicode's White_Space plus the C0 separators 0x1C-0x1F.
    if ch in " \t\n\r":
        return True
    return ch.isspace() and not (0x1C <= ord(ch) <= 0x1F)


def is_punctuation(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def is_cjk(ch):
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in CJK_RANGES)


def normalize(text):
    out = []
    for ch in text:
        if ord(ch) == 0 or ord(ch) == 0xFFFD or is_control(ch):
            continue
        if is_whitespace(ch):
            out.append(" ")
        elif is_cjk(ch):
            out.append(" " + ch + " ")
        else:
            out.append(ch)
    text = unicodedata.normalize("NFD", "".join(out))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return "".join(ch.lower() for ch in text)


def basic_words(text):
    words = []
    for chunk in normalize(text).split(" "):
        current = ""
        for ch in chunk:
            if is_punctuation(ch):
                if current:
                    words.append(current)
                    current = ""
                words.append(ch)
            else:
                current += ch
        if current:
            words.append(current)
    return words


def wordpiece(word, vocab):
    if len(word) > 100:
        return ["[UNK]"]
    pieces, start = [], 0
    while start < len(word):
        end, found = len(word), None
        while start < end:
            piece = word[start:end] if start == 0 else "##" + word[start:end]
            if piece in vocab:
                found = piece
                break
            end -= 1
        if found is None:
            return ["[UNK]"]
        pieces.append(found)
        start = end
    return pieces


def tokenize(text, vocab, max_length):
    pieces = [p for w in basic_words(text) for p in wordpiece(w, vocab)]
    pieces = pieces[: max_length - 2]
    return [vocab["[CLS]"]] + [vocab[p] for p in pieces] + [vocab["[SEP]"]]

# ---------------------------------------------------------------- encoder


def load_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] != "F32":
            continue
        a, b = info["data_offsets"]
        tensors[name] = np.frombuffer(blob[8 + n + a:8 + n + b], dtype="<f4").reshape(info["shape"]).astype(np.float64)
    return tensors


def layer_norm(x, w, b, eps):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def gelu(x):
    from math import erf, sqrt
    return 0.5 * x * (1.0 + np.vectorize(erf)(x / sqrt(2.0)))


def encode(ids, t, cfg):
    h, heads = cfg["hidden_size"], cfg["num_attention_heads"]
    d = h // heads
    eps = cfg["layer_norm_eps"]
    n = len(ids)
    x = t["embeddings.word_embeddings.weight"][ids] + t["embeddings.position_embeddings.weight"][:n] \
        + t["embeddings.token_type_embeddings.weight"][0]
    x = layer_norm(x, t["embeddings.LayerNorm.weight"], t["embeddings.LayerNorm.bias"], eps)
    for i in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        def lin(v, name):
            return v @ t[p + name + ".weight"].T + t[p + name + ".bias"]
        q = lin(x, "attention.self.query").reshape(n, heads, d).transpose(1, 0, 2)
        k = lin(x, "attention.self.key").reshape(n, heads, d).transpose(1, 0, 2)
        v = lin(x, "attention.self.value").reshape(n, heads, d).transpose(1, 0, 2)
        s = q @ k.transpose(0, 2, 1) / np.sqrt(d)
        s = np.exp(s - s.max(axis=-1, keepdims=True))
        s /= s.sum(axis=-1, keepdims=True)
        ctx = (s @ v).transpose(1, 0, 2).reshape(n, h)
        x = layer_norm(lin(ctx, "attention.output.dense") + x,
                       t[p + "attention.output.LayerNorm.weight"], t[p + "attention.output.LayerNorm.bias"], eps)
        inner = gelu(lin(x, "intermediate.dense"))
        x = layer_norm(lin(inner, "output.dense") + x,
                       t[p + "output.LayerNorm.weight"], t[p + "output.LayerNorm.bias"], eps)
    pooled = x.mean(axis=0)
    return pooled / max(np.linalg.norm(pooled), 1e-12)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    model_dir, sentences_path, out_path = args
    cfg = json.load(open(f"{model_dir}/config.json"))
    max_length = json.load(open(f"{model_dir}/sentence_bert_config.json"))["max_seq_length"]
    vocab = {line.rstrip("\n"): i for i, line in enumerate(open(f"{model_dir}/vocab.txt", encoding="utf-8"))}
    tensors = load_safetensors(f"{model_dir}/model.safetensors")
    sentences = json.load(open(sentences_path, encoding="utf-8"))
    cases = []
    for text in sentences:
        ids = tokenize(text, vocab, max_length)
        vector = encode(ids, tensors, cfg)
        cases.append({"text": text, "ids": ids, "vector": [float(f"{v:.9g}") for v in vector]})
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump({"model": "all-MiniLM-L6-v2", "produced_by": "Tests/SentenceEmbeddingTests/Reference/minilm_reference.py",
                   "max_length": max_length, "cases": cases}, f, ensure_ascii=False, indent=1)
        f.write("\n")
    if "--check-hf" in sys.argv:
        from tokenizers import Tokenizer
        from sentence_transformers import SentenceTransformer
        hf = Tokenizer.from_file(f"{model_dir}/tokenizer.json")
        hf.enable_truncation(max_length)
        hf.no_padding()
        st = SentenceTransformer(model_dir, device="cpu")
        theirs = st.encode(sentences, normalize_embeddings=True, convert_to_numpy=True)
        worst = 1.0
        for case, vec in zip(cases, theirs):
            assert hf.encode(case["text"]).ids == case["ids"], ("token ids differ", case["text"], hf.encode(case["text"]).tokens)
            worst = min(worst, float(np.dot(np.array(case["vector"]), vec.astype(np.float64))))
        print(f"token ids equal Hugging Face tokenizers for all {len(cases)} sentences; "
              f"lowest cosine to sentence-transformers: {worst:.7f}")


if __name__ == "__main__":
    main()
