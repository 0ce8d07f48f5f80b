#!/usr/bin/env bash
# Runs the benchmark suite and rewrites docs/BENCHMARKS.md. Builds nothing: run
#   mvn -B package -DskipTests
# first. Usage: bench/run.sh DATA_DIR [--sentences N] [--train N] [--calls N] [--out FILE]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ $# -lt 1 ]; then
  echo "usage: bench/run.sh DATA_DIR [--sentences N] [--train N] [--calls N] [--out FILE]" >&2
  exit 2
fi
cp_file="$root/bench/target/classpath.txt"
jar="$(ls "$root"/bench/target/infuse-bench-*.jar 2>/dev/null | head -1 || true)"
if [ ! -f "$cp_file" ] || [ -z "$jar" ]; then
  echo "bench/target has no jar or classpath.txt: run 'mvn -B package -DskipTests' first" >&2
  exit 1
fi
cd "$root"
exec java -Xmx3g -Dbench.command="bench/run.sh $*" -cp "$jar:$(cat "$cp_file")" dev.infuse.bench.BenchMain "$@"
