#!/usr/bin/env bash
# Builds the third-party examples (examples/houlsby-adapter, an adapter; examples/parallel-adapter, an
# in-layer plug-in) exactly as a third party would: a copy of the folder, outside the
# checkout, built with plain `mvn package` (its own pom, its conformance test) against an Infuse that
# was `mvn install`ed into a temporary local repository -- never into ~/.m2, which other builds share.
# The temporary repository is filled from ~/.m2 through a file:// mirror, so this works offline and
# copies only what the two builds need (run after `mvn verify`, which downloaded everything).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d "${TMPDIR:-/tmp}/infuse-example.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
m2="${INFUSE_SEED_REPO:-$HOME/.m2/repository}"
cat > "$tmp/settings.xml" <<EOF
<settings>
  <mirrors>
    <mirror><id>seed</id><mirrorOf>*</mirrorOf><url>file://$m2</url></mirror>
  </mirrors>
</settings>
EOF
mvn=(mvn -B -q -s "$tmp/settings.xml" -Dmaven.repo.local="$tmp/repo")
start=$(date +%s)
# Infuse's parent, core, BERT backbone and test kit: what the example's pom names.
"${mvn[@]}" install -pl testkit -am -Dmaven.test.skip=true
# Each example: copied out of the checkout, built with its own pom, its conformance test checked to have run
# (a pom that silently skipped tests would pass the other lines).
build() { # folder, jar, conformance test class
  cp -r "examples/$1" "$tmp/$1"
  rm -rf "$tmp/$1/target"
  (cd "$tmp/$1" && "${mvn[@]}" package)
  test -f "$tmp/$1/target/$2"
  grep -q 'tests="[1-9]' "$tmp/$1/target/surefire-reports/TEST-$3.xml"
  echo "examples/$1: built and tested on its own ($(( $(date +%s) - start )) s so far)"
}
build houlsby-adapter houlsby-adapter-1.0.0.jar com.example.houlsby.HoulsbyConformanceTest
build parallel-adapter parallel-adapter-1.0.0.jar com.example.parallel.ParallelAdapterConformanceTest
