#!/usr/bin/env bash
# Map-tuning knowledge injection on the frozen BERT-base:
#   1. TransE over CoDEx-M plus the LAMA T-REx facts (so the KG holds the facts the probe asks);
#   2. general map-tuning (masked mention modelling) on FewRel sentences with Wikidata-linked
#      entities — text that is not the probe's;
#   3. the LAMA probe without and with the plugin.
# Usage: examples/experiments/map-tuning.sh DATA_DIR OUT_DIR   (after: mvn -B package -DskipTests)
# LAMA_MAX_FACTS caps the facts per relation of both probes (default 0 = all); GENERAL_EPOCHS the
# epochs of general map-tuning (default 1); MARKERS the entity markers of the FewRel runs: infuse
# (default, `@ … @` / `# … #`) or authors (the map-tuning paper's `# … #` / `$ … $`; outputs get the
# suffix -authors); BACKBONE_DROPOUT the dropout inside the frozen BERT while a mapper trains
# (default 0; the authors use 0.25). Outputs of the general mapper, its probe and the plugged and
# task-specific FewRel runs get the suffix -e<epochs> when GENERAL_EPOCHS is not 1 and -drop<rate>
# when BACKBONE_DROPOUT is not 0. SKIP_FEWREL=1 stops after the probes.
set -euo pipefail
data=${1:?data folder laid out like shared/data}
out=${2:?output folder}
here=$(cd "$(dirname "$0")/../.." && pwd)
infuse="$here/infuse"
codex="$data/kg/codex/triples/codex-m"
facts=${LAMA_MAX_FACTS:-0}
epochs=${GENERAL_EPOCHS:-1}
markers=${MARKERS:-infuse}
sfx=$([ "$markers" = infuse ] && echo "" || echo "-$markers")
drop=${BACKBONE_DROPOUT:-0}
# Mapper runs other than the first script's (1 epoch, no dropout) keep their own folders.
gsfx=$([ "$epochs" = 1 ] && echo "" || echo "-e$epochs")$([ "$drop" = 0 ] && echo "" || echo "-drop$drop")

if [ ! -f "$out/transe/metrics.json" ]; then
  "$infuse" transe --train "$codex/train.txt" --valid "$codex/valid.txt" --test "$codex/test.txt" \
    --add-lama "$data/lama" --out "$out/transe" --epochs 80 --lr 0.002 --no-progress --valid-every 20
fi
if [ ! -f "$out/lama-bert/metrics.json" ]; then
  "$infuse" probe --lama "$data/lama" --max-facts "$facts" --out "$out/lama-bert"
fi
if [ ! -f "$out/general$gsfx/metrics.json" ]; then
  "$infuse" train --adapter map-tuning --set embeddings="$out/transe/entity_embeddings.safetensors" \
    --task mention-mlm --data "$data" --max-length 64 --epochs "$epochs" --lr 3e-4 --batch-size 16 \
    --backbone-dropout "$drop" --out "$out/general$gsfx"
fi
if [ ! -f "$out/lama-map-tuning$gsfx/metrics.json" ]; then
  "$infuse" probe --lama "$data/lama" --max-facts "$facts" --adapter "$out/general$gsfx/adapters/map-tuning" \
    --out "$out/lama-map-tuning$gsfx"
fi
if [ -n "${SKIP_FEWREL:-}" ]; then
  exit 0
fi

# Plug-and-play on FewRel relation classification: a downstream model (frozen BERT + head) trained
# WITHOUT the plugin; the general plugin plugged in with no further training; then task-specific
# map-tuning (only a mapper trained against the frozen downstream head).
if [ ! -f "$out/fewrel-base$sfx/metrics.json" ]; then
  "$infuse" eval --task fewrel --markers "$markers" --data "$data" --epochs 10 --lr 2e-3 --max-length 64 --out "$out/fewrel-base$sfx"
fi
if [ ! -f "$out/fewrel-plugged$sfx$gsfx/metrics.json" ]; then
  "$infuse" eval --task fewrel --markers "$markers" --data "$data" --max-length 64 --adapter "$out/general$gsfx/adapters/map-tuning" \
    --head "$out/fewrel-base$sfx/head" --freeze-head --out "$out/fewrel-plugged$sfx$gsfx"
fi
if [ ! -f "$out/fewrel-task-specific$sfx$gsfx/metrics.json" ]; then
  "$infuse" train --adapter map-tuning --set embeddings="$out/transe/entity_embeddings.safetensors" \
    --task fewrel --markers "$markers" --data "$data" --max-length 64 --head "$out/fewrel-base$sfx/head" --freeze-head \
    --epochs 1 --lr 3e-4 --batch-size 16 --max-train "${TASK_MAX_TRAIN:-3000}" --backbone-dropout "$drop" \
    --out "$out/fewrel-task-specific$sfx$gsfx"
fi
