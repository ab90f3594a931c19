#!/usr/bin/env bash
# Runs every test of every module on Java 25 (the command README.md and .ci/run give).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/scripts/env.sh"
zcnbrh_find_java25
zcnbrh_need_maven
if [ "${1:-}" = "--fast" ]; then
  # the fast lane: the library's unit tests (JUnit tag "unit": no root, no veth, no BPF, seconds each); the
  # kernel tests (tag "kernel") and the SPIN model check (tag "model") run in the full command below
  shift
  cd "$here"
  rm -rf core/target/surefire-reports # the count below is this run's
  mvn -B -ntp -q -pl core test '-Dgroups=unit & !kernel' -Djacoco.skip=true "$@" 2>&1 \
    | grep -vE 'sun\.misc\.Unsafe|terminally deprecated|Please consider reporting|will be removed in a future'
  rc="${PIPESTATUS[0]}"
  [ "$rc" = 0 ] && echo "run-tests --fast: every unit test passed ($(awk -F'[:,] *' \
    '/^Tests run:/ {n += $2} END {print n}' core/target/surefire-reports/*.txt) tests)"
  exit "$rc"
fi
zcnbrh_need_iproute2
zcnbrh_need_tool tcpdump tcpdump "the filter compiler is checked against libpcap's verdicts"
zcnbrh_need_tool clang clang "the ELF loader test compiles a BPF program with clang -target bpf"
zcnbrh_need_tool spin spin "the ring/ownership/credit protocol is model-checked with SPIN (verify/spin)"
zcnbrh_need_tool python3 python3 "scripts/coverage.py reads JaCoCo's XML report"
zcnbrh_need_tool gcc gcc "SPIN's verifier (pan.c) is compiled with a C compiler (a test tool, not part of the build)"
zcnbrh_need_tool chromium chromium "the dashboard is tested in a real, headless browser"
zcnbrh_need_tool npm npm "axe-core, the accessibility checker the dashboard test runs in the browser, comes from npm"
# axe-core from the npm registry into .cache (not committed); the dashboard test runs it in the page
axe="$here/.cache/npm/node_modules/axe-core/axe.min.js"
if [ ! -f "$axe" ]; then
  npm install --silent --no-audit --no-fund --prefix "$here/.cache/npm" axe-core@4.14.1 >&2 || exit 1
fi
export ZCNBRH_AXE="$axe" ZCNBRH_REQUIRE_BROWSER=1
echo "run-tests: Java $("$JAVA_HOME/bin/java" -version 2>&1 | head -1), kernel $(uname -r), $(nproc) cores"
cd "$here"
# install, not only verify: the examples below build from their own folders against the installed coordinates
mvn -B -ntp install "$@" 2>&1 | grep -vE 'sun\.misc\.Unsafe|terminally deprecated|Please consider reporting|will be removed in a future'
rc="${PIPESTATUS[0]}"
[ "$rc" = 0 ] || exit "$rc"
# the library's line coverage by every test of the build (M16): printed, and the run fails below the minimum
python3 "$here/scripts/coverage.py" "$here/bench/target/site/jacoco-aggregate/jacoco.xml" zcnbrh-core "${ZCNBRH_MIN_COVERAGE:-90}" || exit 1
# the examples: standalone Maven projects that know the library only by its coordinates, built and run
bash "$here/scripts/examples.sh" || exit 1
# mutation testing of the ring and ownership code (PIT): the score is printed
bash "$here/scripts/mutation.sh" || exit 1
# the regression inputs ran above as ordinary tests; now a short coverage-guided burst of every fuzz target
bash "$here/scripts/fuzz-burst.sh" "${ZCNBRH_FUZZ_SECONDS:-10}"
