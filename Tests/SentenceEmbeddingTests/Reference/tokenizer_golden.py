#!/usr/bin/env python3
"""Writes Fixtures/tokenizer-golden.json: the token pieces and ids that Hugging
Face's own tokenizer (the `tokenizers` library, reading the model's
tokenizer.json, truncation to sentence-transformers' max_seq_length 256) gives
for inputs chosen to exercise every rule of BERT's uncased WordPiece.

    python3 tokenizer_golden.py MODEL_DIR OUT.json
"""
import json
import sys

from tokenizers import Tokenizer

CASES = [
    ("ascii", "Hello, World! This is ai-mem."),
    ("accents", "Café crème brûlée, naïve façade, Ångström, São Paulo, Zürich"),
    ("accents-combining", "cafe\u0301 e\u0300 n\u0303"),
    ("uppercase-unicode", "ÄÖÜ ÉÈÊ ПРОВЕРКА ΣΟΦΊΑ"),
    ("turkish-dotted-i", "İstanbul ıi"),
    ("punctuation-ascii", "a.b,c;d:e!f?g(h)i[j]k{l}m<n>o\"p'q`r~s@t#u$v%w^x&y*z-_+=|\\/"),
    ("punctuation-unicode", "«quoted» “smart” ‘single’ — dash – en … ellipsis ¿qué? ¡sí!"),
    ("symbols-not-punctuation", "€100 £5 ¥3 © ® ™ ° ± × ÷ → ∑ √"),
    ("cjk", "東京でデプロイの失敗を調査した。数据库迁移失败了"),
    ("hangul-and-kana", "한국어 텍스트 カタカナ ひらがな"),
    ("emoji", "deploy 🚀 ok 👍🏽 ⚠️"),
    ("unknown-words", "qwzxv ǂʼ ⟁ xylophonequartzjumbleworks"),
    ("long-word", "a" * 101 + " " + "b" * 100),
    ("controls-and-zero-width", "zero\u200bwidth soft\u00adhyphen bell\u0007 nul\u0000 bom\ufeff rep\ufffd"),
    ("whitespace-kinds", "tab\tnewline\ncr\rnbsp\u00a0ideographic\u3000em\u2003line\u2028para\u2029end"),
    ("code", "fn main() { println!(\"{}\", x.len()); } // TODO: fix"),
    ("numbers", "3.14159 1,000,000 0x1F 2026-11-25T09:30:00Z v1.2.3-beta"),
    ("ligature-and-fullwidth", "ﬁnance ﬂow ＡＢＣ１２３"),
    ("empty", ""),
    ("only-spaces", "   \t\n  "),
    ("longer-than-limit", " ".join(f"word{i}" for i in range(400))),
    ("limit-inside-a-word", "x " * 253 + "unbelievably"),
]


def main():
    model_dir, out_path = sys.argv[1:3]
    tok = Tokenizer.from_file(f"{model_dir}/tokenizer.json")
    tok.enable_truncation(256)
    tok.no_padding()
    cases = []
    for name, text in CASES:
        enc = tok.encode(text)
        cases.append({"name": name, "text": text, "tokens": enc.tokens, "ids": enc.ids})
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump({"produced_by": "Tests/SentenceEmbeddingTests/Reference/tokenizer_golden.py (Hugging Face tokenizers)",
                   "max_length": 256, "cases": cases}, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
