#!/usr/bin/env python3
"""Writes Fixtures/tokenizer-random.json: 400 random strings (seeded) drawn from
a mix of scripts, accents and combining marks, punctuation, symbols, controls,
zero-width and exotic spaces, emoji and CJK, with the ids Hugging Face's own
tokenizer gives them.

    python3 tokenizer_random.py MODEL_DIR OUT.json
"""
import json
import random
import sys

from tokenizers import Tokenizer

POOLS = [
    "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789",
    " " * 8, "\t\n\r", ".,;:!?'\"()[]{}<>-_/\\|@#$%^&*+=~`",
    "àáâãäåçèéêëìíîïñòóôõöùúûüýÿÀÉÎÕÜßæœøÅ", "\u0300\u0301\u0302\u0303\u0308\u0327",
    "αβγδεζηθικλμνξοπρστυφχψωΑΒΓΔΣΩάέήίόύώ", "абвгдежзийклмнопрстуфхцчшщъыьэюяЁЖЩ",
    "אבגדהוזחטיכלמנסעפצקרשת", "ابتثجحخدذرزسشصضطظعغفقكلمنهوي",
    "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年", "あいうえおかきくけこアイウエオカキクケコ",
    "한국어텍스트", "€£¥©®™°±×÷→∑√∞≈≠", "«»“”‘’—–…¿¡·",
    "\u200b\u200c\u200d\u00ad\ufeff\u2060", "\u00a0\u2003\u3000\u2028\u2029\u0085\u000b\u000c",
    "\u0000\u0007\u001b\u007f\ufffd", "😀🚀👍🏽🇯🇵👨‍👩‍👧", "ﬁﬂＡＢＣ１２３", "İıŞşĞğ",
]


def main():
    model_dir, out_path = sys.argv[1:3]
    tok = Tokenizer.from_file(f"{model_dir}/tokenizer.json")
    tok.enable_truncation(256)
    tok.no_padding()
    rng = random.Random(20261125)
    cases = []
    for _ in range(400):
        pools = rng.sample(POOLS, rng.randint(1, 4))
        text = "".join(rng.choice(rng.choice(pools)) for _ in range(rng.randint(0, 40)))
        cases.append({"text": text, "ids": tok.encode(text).ids})
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump({"produced_by": "Tests/SentenceEmbeddingTests/Reference/tokenizer_random.py (Hugging Face tokenizers, seed 20261125)",
                   "cases": cases}, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
