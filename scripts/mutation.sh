#!/usr/bin/env bash
# Mutation testing (PIT) of the ring and ownership code: how many deliberate bugs the tests catch.
# usage: scripts/mutation.sh   (after a build; the test command runs it and prints the score)
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here/core"
log="$(mktemp)"
mvn -B -ntp -q org.pitest:pitest-maven:mutationCoverage >"$log" 2>&1
rc=$?
grep -E '^>> (Generated|Line Coverage|Ran)' "$log" | sed 's/^/mutation: /'
report="$here/core/target/pit-reports/mutations.xml"
if [ "$rc" != 0 ] || [ ! -f "$report" ]; then
  echo "mutation: PIT failed:"; tail -30 "$log" | sed 's/^/mutation:   /'
  rm -f "$log"
  exit 1
fi
rm -f "$log"
python3 - "$report" <<'PY'
import sys, xml.etree.ElementTree as ET
ms = ET.parse(sys.argv[1]).getroot().findall("mutation")
killed = sum(1 for m in ms if m.get("status") in ("KILLED", "TIMED_OUT", "MEMORY_ERROR"))
print(f"mutation: ring and ownership code: {killed} of {len(ms)} mutants killed, score {100.0 * killed / max(1, len(ms)):.1f}%")
survived = [m for m in ms if m.get("status") == "SURVIVED"]
for m in survived[:8]:
    print(f"mutation:   survived: {m.findtext('mutatedClass')}.{m.findtext('mutatedMethod')} line {m.findtext('lineNumber')}: {m.findtext('description')}")
PY
