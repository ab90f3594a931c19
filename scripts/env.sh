# Sourced by ./zcnbrh and ./run-tests.sh: finds Java 25 and Maven, installing Maven when it is missing and we are root.
zcnbrh_find_java25() {
  local candidate
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25* /usr/lib/jvm/*-25-* /usr/lib/jvm/jdk-25*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] || continue
    if "$candidate/bin/java" -version 2>&1 | head -1 | grep -qE '"25([."]|$)'; then
      export JAVA_HOME="$candidate"
      return 0
    fi
  done
  echo "zcnbrh: Java 25 not found (looked at \$JAVA_HOME and /usr/lib/jvm/*25*)." >&2
  echo "zcnbrh: install a JDK 25 (e.g. Temurin 25) and set JAVA_HOME to it." >&2
  return 1
}

zcnbrh_need_maven() {
  command -v mvn >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "zcnbrh: installing maven with apt-get" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq maven) >&2
    command -v mvn >/dev/null 2>&1 && return 0
  fi
  echo "zcnbrh: Maven (mvn) is needed to build; install it (apt-get install maven)." >&2
  return 1
}

# zcnbrh_need_tool CMD PACKAGE WHY: installs Debian's PACKAGE with apt-get (as root) when CMD is missing.
zcnbrh_need_tool() {
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "zcnbrh: installing $2 with apt-get ($3)" >&2
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >&2 2>/dev/null; then
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2") >&2
    fi
    command -v "$1" >/dev/null 2>&1 && return 0
  fi
  echo "zcnbrh: $1 is needed ($3); install it (apt-get install $2)." >&2
  return 1
}

zcnbrh_need_iproute2() {
  zcnbrh_need_tool ip iproute2 "the tests make veth pairs in network namespaces"
}
