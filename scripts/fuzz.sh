#!/usr/bin/env bash
# Coverage-guided fuzzing of every parser of untrusted input, one target at a time (Jazzer fuzzes
# one test per JVM). Usage:
#   scripts/fuzz.sh [DURATION] [TARGET...]      TARGET is Class#method; default: all targets
#   scripts/fuzz.sh --rotate N [DURATION]       N targets, a different slice each day (CI)
# DURATION is per target, in Jazzer's syntax (10s, 5m, 1h); default 10s.
# Needs compiled test classes (run `mvn -B -o test-compile` or `mvn verify` first). New inputs that
# reach new code are kept in <module>/.cifuzz-corpus/ (not committed); a crash stops the run and
# its input is written to src/test/resources/.../<Class>Inputs/<method>/ as a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."
rotate=0
if [ "${1:-}" = "--rotate" ]; then
  rotate="$2"
  shift 2
fi
duration="${1:-10s}"
shift || true
all=(
  core:ArtifactFuzzTest#safeTensors core:ArtifactFuzzTest#manifest core:ArtifactFuzzTest#artifactWeights
  core:ArtifactFuzzTest#trainingCheckpointState core:ArtifactFuzzTest#graph
  data:ReadersFuzzTest#fewRel data:ReadersFuzzTest#fewRelNames data:ReadersFuzzTest#trexRc
  data:ReadersFuzzTest#tacred data:ReadersFuzzTest#openEntity data:ReadersFuzzTest#conllU
  data:ReadersFuzzTest#semEval data:ReadersFuzzTest#semEvalAnswers data:ReadersFuzzTest#lamaRelations
  data:ReadersFuzzTest#lamaFacts data:ReadersFuzzTest#tsvTable data:ReadersFuzzTest#csvTable data:ReadersFuzzTest#cosmosQa
  kg:KgFuzzTest#labelledTriples kg:KgFuzzTest#embeddingsText kg:KgFuzzTest#embeddingsSafeTensors kg:KgFuzzTest#entityNames
)
targets=()
if [ "$rotate" -gt 0 ]; then
  day=$((10#$(date +%j)))
  for ((i = 0; i < rotate; i++)); do
    targets+=("${all[$(((day * rotate + i) % ${#all[@]}))]}")
  done
elif [ "$#" -gt 0 ]; then
  for t in "$@"; do
    for a in "${all[@]}"; do [[ "$a" == *":$t" ]] && targets+=("$a"); done
  done
else
  targets=("${all[@]}")
fi
for t in "${targets[@]}"; do
  module="${t%%:*}"
  test="${t#*:}"
  echo "== fuzzing $test ($module) for $duration"
  # The test phase with -am, so the module's Infuse dependencies come from this checkout's builds (a bare
  # surefire:test on one module would take them from the local repository, stale or absent there).
  JAZZER_FUZZ=1 mvn -B -q -o -pl "$module" -am test -DfailIfNoTests=false \
    -Dsurefire.failIfNoSpecifiedTests=false -Dtest="$test" -Djazzer.max_duration="$duration"
done
echo "== fuzzing finished: ${#targets[@]} target(s), no findings"
