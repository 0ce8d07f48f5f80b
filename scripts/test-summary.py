#!/usr/bin/env python3
"""Summarises the JUnit XML reports of a Maven build (surefire and failsafe): how many tests ran,
failed and were skipped, per module and in all, and every skipped test with its reason.

Usage: scripts/test-summary.py [ROOT]   (ROOT defaults to the repository root)
Standard library only. Exit status 0 (it reports; the build's own status decides).
"""
import glob
import os
import sys
import xml.etree.ElementTree as ET


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    per_module = {}
    skipped = []
    files = sorted(glob.glob(os.path.join(root, "**", "target", "*-reports", "TEST-*.xml"), recursive=True))
    for f in files:
        rel = os.path.relpath(f, root)
        module = rel.split(os.sep + "target" + os.sep)[0]
        kind = "IT" if "failsafe-reports" in rel else "unit"
        try:
            suite = ET.parse(f).getroot()
        except ET.ParseError as e:
            print("warning: unreadable report %s: %s" % (rel, e))
            continue
        m = per_module.setdefault((module, kind), {"tests": 0, "failures": 0, "errors": 0, "skipped": 0})
        for case in suite.iter("testcase"):
            m["tests"] += 1
            name = "%s.%s" % (case.get("classname", "?"), case.get("name", "?"))
            if case.find("failure") is not None:
                m["failures"] += 1
            elif case.find("error") is not None:
                m["errors"] += 1
            else:
                s = case.find("skipped")
                if s is not None:
                    m["skipped"] += 1
                    reason = (s.get("message") or (s.text or "")).strip().splitlines()
                    skipped.append((module, name, reason[0] if reason else "no reason given"))
    for m in per_module.values():
        for k in totals:
            totals[k] += m[k]
    print()
    print("== Test summary (%d report files) ==" % len(files))
    print("%-34s %-5s %7s %7s %7s %7s" % ("module", "kind", "tests", "failed", "errors", "skipped"))
    for (module, kind), m in sorted(per_module.items()):
        print("%-34s %-5s %7d %7d %7d %7d" % (module, kind, m["tests"], m["failures"], m["errors"], m["skipped"]))
    ran = totals["tests"] - totals["skipped"]
    print("in all: %d tests, %d ran, %d skipped, %d failed, %d errors"
          % (totals["tests"], ran, totals["skipped"], totals["failures"], totals["errors"]))
    if skipped:
        print("skipped tests and why:")
        for module, name, reason in skipped:
            print("  %s: %s: %s" % (module, name, reason))
    return 0


if __name__ == "__main__":
    sys.exit(main())
