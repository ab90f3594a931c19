#!/usr/bin/env bash
# A short coverage-guided fuzzing burst of every Jazzer target (JAZZER_FUZZ=1), one surefire run per target.
# usage: scripts/fuzz-burst.sh [SECONDS_PER_TARGET]   (default 10; the test command runs it)
# New crashes are written as regression inputs under core/src/test/resources/.../<Class>Inputs/<method>/ and make
# this script fail; commit them with the fix. The grown corpus stays in core/.cifuzz-corpus (not committed).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-10}"
targets=(
  "io.zcnbrh.backend.shm.DescriptorFuzzTest#anyDescriptorsAreDeliveredSafelyOrCounted"
  "io.zcnbrh.fuzz.FilterFuzzTest#anyExpressionCompilesOrIsRefusedWithAPosition"
  "io.zcnbrh.fuzz.FilterFuzzTest#theKernelAndTheInterpreterParseEveryFrameAlike"
  "io.zcnbrh.fuzz.ElfFuzzTest#anyBytesLoadOrFailClearly"
  "io.zcnbrh.fuzz.PcapFuzzTest#anyBytesGiveFramesOrAClearError"
  "io.zcnbrh.fuzz.PcapFuzzTest#whatIsWrittenIsReadBackExactly"
  "io.zcnbrh.udp.UdpHeadersFuzzTest#anyBytesParseToADatagramInsideTheFrameOrAreRefused"
  "io.zcnbrh.udp.UdpHeadersFuzzTest#whatTheSocketWritesItsFilterSelectsAndItsParserReadsBack"
)
failed=0
cd "$here/core"
for t in "${targets[@]}"; do
  log="$(mktemp)"
  JAZZER_FUZZ=1 mvn -B -o -ntp -q surefire:test -Dtest="$t" -Dsurefire.failIfNoSpecifiedTests=false \
    -Djazzer.max_duration="${seconds}s" >"$log" 2>&1
  rc=$?
  runs="$(grep -oE 'Done [0-9]+ runs in [0-9]+ second' "$log" | tail -1)"
  if [ "$rc" = 0 ]; then
    echo "fuzz: ${t#io.zcnbrh.}: ok (${runs:-no summary})"
  else
    failed=1
    echo "fuzz: ${t#io.zcnbrh.}: FINDING (${runs:-no summary}):"
    grep -E 'FuzzTestFinding|Caused by|at io\.zcnbrh|Test unit written' "$log" | head -12 | sed 's/^/fuzz:   /'
  fi
  rm -f "$log"
done
exit "$failed"
