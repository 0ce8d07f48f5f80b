#!/usr/bin/env bash
# Runs the benchmark suite and rewrites docs/BENCHMARKS.md. Builds nothing: run
#   mvn -B package -DskipTests
# first. Usage:
#   bench/run.sh DATA_DIR [--sentences N] [--train N] [--calls N] [--composed N] [--point-seconds S] [--lama-facts N] [--train-kilm N] [--lora-only N] [--out FILE]
# First an XLA trial (our forward pass alone, in two short processes: without and with
# TF_XLA_FLAGS=--tf_xla_cpu_global_jit, which only acts per process); XLA is kept for the main
# run only if it was at least 10 % faster (the machine is shared: smaller gains are within its noise). Then the whole suite in one process.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ $# -lt 1 ]; then
  echo "usage: bench/run.sh DATA_DIR [--sentences N] [--train N] [--calls N] [--composed N] [--point-seconds S] [--lama-facts N] [--train-kilm N] [--lora-only N] [--out FILE]" >&2
  exit 2
fi
cp_file="$root/bench/target/classpath.txt"
jar="$(ls "$root"/bench/target/infuse-bench-*.jar 2>/dev/null | head -1 || true)"
if [ ! -f "$cp_file" ] || [ -z "$jar" ]; then
  echo "bench/target has no jar or classpath.txt: run 'mvn -B package -DskipTests' first" >&2
  exit 1
fi
cd "$root"
cp="$jar:$(cat "$cp_file")"
trial="$(mktemp -d)"
trap 'rm -rf "$trial"' EXIT
echo "[1.1] XLA trial: without XLA"
env -u TF_XLA_FLAGS java -Xmx3g -cp "$cp" dev.infuse.bench.BenchMain "$@" --forward-only "$trial/off"
echo "[1.1] XLA trial: with TF_XLA_FLAGS=--tf_xla_cpu_global_jit"
TF_XLA_FLAGS=--tf_xla_cpu_global_jit java -Xmx3g -cp "$cp" dev.infuse.bench.BenchMain "$@" --forward-only "$trial/on"
keep="$(awk 'NR==FNR { off = $2; next } { print ($2 >= 1.10 * off) ? "kept" : "dropped" }' "$trial/off" "$trial/on")"
echo "[1.1] XLA $keep"
if [ "$keep" = kept ]; then
  export TF_XLA_FLAGS=--tf_xla_cpu_global_jit
else
  unset TF_XLA_FLAGS
fi
java -Xmx3g -Dbench.command="bench/run.sh $*" -cp "$cp" dev.infuse.bench.BenchMain "$@" \
  --xla-trial "$trial/off,$trial/on,$keep"
