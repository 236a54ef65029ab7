#!/usr/bin/env python3
"""Per-file counts and scores from a Stryker.NET JSON report (mutation-testing-elements schema), and the surviving
mutants with their line and replacement. Usage:
  python3 docs/scripts/mutation_summary.py REPORT.json [--after REPORT2.json] [--survivors]
--after takes a second report of a run that re-tested some mutants (e.g. the survivors' lines, after new tests) and
replaces those mutants' statuses in the first: with only tests added and src/ unchanged, a mutant killed in the first
run stays killed, so the merged counts are the score of the whole files after the new tests.
Score = (killed + timeout) / (killed + timeout + survived + no coverage), Stryker's own definition."""
import json, sys, collections

def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr); return 2
    report = json.load(open(argv[1], encoding="utf-8"))
    if "--after" in argv:
        later = json.load(open(argv[argv.index("--after") + 1], encoding="utf-8"))
        retested = {}
        for path, f in later["files"].items():
            for m in f["mutants"]:
                if m["status"] not in ("Ignored", "CompileError"):
                    loc = m["location"]["start"]
                    retested[(path, loc["line"], loc["column"], m["mutatorName"], m.get("replacement", ""))] = m["status"]
        for path, f in report["files"].items():
            for m in f["mutants"]:
                loc = m["location"]["start"]
                key = (path, loc["line"], loc["column"], m["mutatorName"], m.get("replacement", ""))
                if key in retested:
                    m["status"] = retested[key]
    rows, survivors = [], []
    total = collections.Counter()
    for path, f in sorted(report["files"].items()):
        c = collections.Counter()
        for m in f["mutants"]:
            s = m["status"]
            if s in ("Ignored", "CompileError"):
                continue
            c[s] += 1
            if s in ("Survived", "NoCoverage"):
                line = m["location"]["start"]["line"]
                survivors.append((path.split("src/PhaseScope/")[-1], line, m["mutatorName"], m.get("replacement", ""), s))
        if not c:
            continue
        total.update(c)
        rows.append((path.split("src/PhaseScope/")[-1], c))
    def fmt(name, c):
        tested = c["Killed"] + c["Timeout"] + c["Survived"] + c["NoCoverage"]
        score = 100.0 * (c["Killed"] + c["Timeout"]) / tested if tested else float("nan")
        return f"| {name} | {tested} | {c['Killed']} | {c['Survived']} | {c['Timeout']} | {c['NoCoverage']} | {score:.1f} % |"
    print("| file | mutants | killed | survived | timeout | no coverage | score |")
    print("|---|---|---|---|---|---|---|")
    for name, c in rows:
        print(fmt(name, c))
    print(fmt("all", total))
    if "--survivors" in argv:
        print()
        for p, line, mutator, repl, s in survivors:
            print(f"{p}:{line} [{s}] {mutator}: {repl}")
    return 0

if __name__ == "__main__":
    sys.exit(main(sys.argv))
