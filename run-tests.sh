#!/usr/bin/env bash
# Runs every test of every module on Java 25 (the command README.md and .ci/run give).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/scripts/env.sh"
zcnbrh_find_java25
zcnbrh_need_maven
zcnbrh_need_iproute2
zcnbrh_need_tool tcpdump tcpdump "the filter compiler is checked against libpcap's verdicts"
zcnbrh_need_tool clang clang "the ELF loader test compiles a BPF program with clang -target bpf"
echo "run-tests: Java $("$JAVA_HOME/bin/java" -version 2>&1 | head -1), kernel $(uname -r), $(nproc) cores"
cd "$here"
mvn -B -ntp verify "$@" 2>&1 | grep -vE 'sun\.misc\.Unsafe|terminally deprecated|Please consider reporting|will be removed in a future'
exit "${PIPESTATUS[0]}"
