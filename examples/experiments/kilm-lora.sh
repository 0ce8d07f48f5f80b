#!/usr/bin/env bash
# KILM-style infilling that changes the layers: the `kilm` plug-in trained together with a LoRA on every
# linear product of the frozen BERT-base (r 16, alpha 32), against its knowledge-ablated twin, on the
# wn-hypernym probe. It is examples/studies/kilm-knowledge-effect.yaml with one difference — the LoRA —
# so its knowledge effect compares directly with that study's (the plug-in alone: +0.46 P@1, docs/RESULTS.md).
# A study cannot pretrain in-layer plug-ins yet, so this runs the CLI steps (docs/IN-LAYER.md).
#
#   examples/experiments/kilm-lora.sh OUT_DIR        (after: mvn -B package -DskipTests; no data folder)
#
# For each seed S (SEEDS, default "1 2 3"; S also draws the 20,000 nouns) and P in with / without (the
# descriptions of the probed entities): entity-infill pretraining, 2 epochs, the epoch chosen on the
# development entities' infilling accuracy; then the probe, scored once with the plug-in and LoRA frozen.
# Then the knowledge effect, seeds pooled (infuse compare). Settings are fixed in advance (lr 1e-3: the
# study's 2e-3 is for the side network alone; LoRA is usually trained at 1e-4 to 1e-3), never chosen
# on the probe. Compute: ~20 min per pretraining on 2 cores; rerunning skips finished steps, and an
# interrupted pretraining resumes after its last epoch.
set -euo pipefail
out=${1:?output folder}
here=$(cd "$(dirname "$0")/../.." && pwd)
infuse="$here/infuse"
seeds=${SEEDS:-1 2 3}

for s in $seeds; do
  for p in with without; do
    run="$out/pretrain-$p/seed-$s"
    if [ ! -f "$run/metrics.json" ]; then
      "$infuse" train --adapter kilm --task entity-infill --task-set probed_descriptions=$p \
        --layer-plugin lora --layer-set r=16 --layer-set alpha=32 --layer-set sites=all \
        --max-train 20000 --epochs 2 --batch-size 32 --lr 1e-3 --warmup 0.1 --max-length 48 --seed "$s" --out "$run"
    fi
    if [ ! -f "$out/probe-$p/seed-$s/metrics.json" ]; then
      "$infuse" eval --task wn-hypernym --adapter "$run/adapters/kilm" --head "$run/head" --freeze-head \
        --seed "$s" --out "$out/probe-$p/seed-$s"
    fi
  done
done

with=""; without=""
for s in $seeds; do
  with="$with${with:+,}$out/probe-with/seed-$s"; without="$without${without:+,}$out/probe-without/seed-$s"
done
"$infuse" compare "$with" "$without"
