#!/usr/bin/env bash
# Builds examples/houlsby-adapter exactly as a third party would: a copy of the folder, outside the
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
cp -r examples/houlsby-adapter "$tmp/houlsby-adapter"
rm -rf "$tmp/houlsby-adapter/target"
(cd "$tmp/houlsby-adapter" && "${mvn[@]}" package)
test -f "$tmp/houlsby-adapter/target/houlsby-adapter-1.0.0.jar"
# Its conformance test ran (a pom that silently skipped tests would pass the lines above).
grep -q 'tests="[1-9]' "$tmp/houlsby-adapter/target/surefire-reports/TEST-com.example.houlsby.HoulsbyConformanceTest.xml"
echo "examples/houlsby-adapter: built and tested on its own in $(( $(date +%s) - start )) s"
