#!/usr/bin/env python3
"""Prints the library's line coverage from JaCoCo's XML report and fails below the minimum (M16).

usage: coverage.py REPORT.xml MODULE MINIMUM_PERCENT
The report is the aggregate of every module's tests (bench/target/site/jacoco-aggregate/jacoco.xml); MODULE names
the library's group in it (zcnbrh-core). The lowest packages are listed so the next test is easy to aim.
"""
import sys
import xml.etree.ElementTree as ET


def lines(element):
    for c in element.findall("counter"):
        if c.get("type") == "LINE":
            return int(c.get("missed")), int(c.get("covered"))
    return 0, 0


def main():
    report, module, minimum = sys.argv[1], sys.argv[2], float(sys.argv[3])
    root = ET.parse(report).getroot()
    group = next((g for g in root.iter("group") if g.get("name") == module), root)
    missed, covered = lines(group)
    percent = 100.0 * covered / max(1, missed + covered)
    print(f"coverage: {module} line coverage {percent:.1f}% ({covered} of {missed + covered} lines; "
          f"minimum {minimum:.0f}%, aim 98%) from {report}")
    packages = sorted(((lines(p), p.get("name")) for p in group.iter("package")), key=lambda x: -x[0][0])
    for (m, c), name in packages[:5]:
        print(f"coverage:   {name.replace('/', '.')}: {100.0 * c / max(1, m + c):.1f}% ({m} lines not run)")
    if percent < minimum:
        print(f"coverage: FAILED: {percent:.1f}% is below {minimum:.0f}%")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
