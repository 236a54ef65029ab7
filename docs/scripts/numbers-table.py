#!/usr/bin/env python3
"""Numbers: one parser, every locale (docs/RELIABILITY.md).

Runs the built CLI with --check on numbers at the edges of their type and on malformed lists and grids, each case in a
fresh empty directory under LANG=LC_ALL=de_DE.UTF-8 (a decimal-comma locale; ICU applies it), and prints one Markdown
row per case: class | case | exit code | message | files left. Build first:
    dotnet build -c Release && python3 docs/scripts/numbers-table.py > /tmp/numbers.md
"""
import os, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DLL = os.path.join(ROOT, "src", "PhaseScope.Cli", "bin", "Release", "net10.0", "PhaseScope.Cli.dll")

# (class, value) for a scalar option; every scalar option below gets every one of them.
SCALARS = [
    ("zero", "0"), ("minus one", "-1"), ("NaN", "NaN"), ("+∞", "Infinity"), ("overflow to ∞", "1e309"), ("huge", "1e308"),
    ("2³¹−1", "2147483647"), ("2⁶³−1", "9223372036854775807"), ("exponent", "1e3"), ("hex", "0x10"), ("leading space", " 5"),
    ("plus sign", "+5"), ("decimal comma", "1,5"), ("Arabic-Indic digits", "١٢"), ("small fraction", "0.0001"),
]
# (command line before the option, option); required inputs are placeholders (--check reads no files for these).
OPTIONS = [
    (["grok"], "--lr"), (["grok"], "--steps"), (["grok"], "--p"), (["grok"], "--train-fraction"), (["grok"], "--seed"),
    (["grok"], "--monitor-budget"), (["grok"], "--spectral-sketch"), (["grok"], "--batch-size"),
    (["forget"], "--ewc-lambda"), (["verdict", "SWEEP"], "--window"), (["llc", "RUN"], "--step-size"),
    (["moments", "--params", "P.safetensors"], "--seed"), (["correlate", "RUN", "--metric", "loss"], "--max-lag"),
    (["ablate", "RUN", "--at", "100"], "--k"),
]
# (class, command line) for lists and grids.
LISTS = [
    ("repeated seed", ["sweep", "--out", "SW", "--seeds", "42,42"]),
    ("unordered seeds (kept: they order the runs)", ["sweep", "--out", "SW", "--seeds", "2024,42"]),
    ("empty list", ["sweep", "--out", "SW", "--seeds", ""]),
    ("empty item", ["sweep", "--out", "SW", "--seeds", "42,,137"]),
    ("trailing comma", ["sweep", "--out", "SW", "--weight-decay", "1.0,"]),
    ("decimal comma in a list (the comma separates items: 1 and 0)", ["sweep", "--out", "SW", "--weight-decay", "1,0"]),
    ("negative weight decay", ["sweep", "--out", "SW", "--weight-decay", "1.0,-0.5"]),
    ("NaN weight decay", ["sweep", "--out", "SW", "--weight-decay", "NaN"]),
    ("repeated weight decay", ["sweep", "--out", "SW", "--weight-decay", "1.0,1"]),
    ("seeds beyond int32", ["sweep", "--out", "SW", "--seeds", "1,4294967296"]),
    ("spaces after commas", ["sweep", "--out", "SW", "--seeds", "1, 2, 3"]),
    ("2,000 seeds", ["sweep", "--out", "SW", "--seeds", ",".join(str(i) for i in range(2000))]),
    ("--at unordered, repeated (sorted, de-duplicated)", ["report", "RUN", "--at", "500,100,500"]),
    ("--at negative step", ["report", "RUN", "--at", "-1"]),
    ("--at empty", ["report", "RUN", "--at", ""]),
    ("--at fraction", ["report", "RUN", "--at", "1.5"]),
    ("llc --steps repeated", ["llc", "RUN", "--steps", "1000,1000"]),
    ("llc --steps junk", ["llc", "RUN", "--steps", "1000;2000"]),
    ("--orders default grid", ["moments", "--params", "P", "--orders", "0:64:33"]),
    ("--orders COUNT 0 (empty range)", ["moments", "--params", "P", "--orders", "0:64:0"]),
    ("--orders STOP < START", ["moments", "--params", "P", "--orders", "64:0:3"]),
    ("--orders one point, START ≠ STOP", ["moments", "--params", "P", "--orders", "0:64:1"]),
    ("--orders enormous COUNT", ["moments", "--params", "P", "--orders", "0:64:100000000"]),
    ("--orders repeated points", ["moments", "--params", "P", "--orders", "5:5:3"]),
    ("--orders step below float resolution", ["moments", "--params", "P", "--orders", "1:1.0000000000000002:5"]),
    ("--orders NaN end", ["moments", "--params", "P", "--orders", "0:NaN:3"]),
    ("--orders two parts", ["moments", "--params", "P", "--orders", "0:64"]),
    ("--orders decimal comma", ["moments", "--params", "P", "--orders", "0:1,5:3"]),
    ("grok lr·wd ≥ 1 (cross-option check)", ["grok", "--lr", "2", "--weight-decay", "1"]),
    ("grok --threads above this machine", ["grok", "--threads", "4096"]),
    ("grok --resume with --check", ["grok", "--resume", "NO_SUCH_RUN", "--check"]),
    ("edge-tests --check", ["edge-tests", "RUN"]),
]


def run(args):
    with tempfile.TemporaryDirectory() as d:
        env = dict(os.environ, LANG="de_DE.UTF-8", LC_ALL="de_DE.UTF-8")
        env.pop("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", None)
        argv = ["dotnet", DLL] + args + ([] if "--check" in args else ["--check"])
        p = subprocess.run(argv, cwd=d, env=env, capture_output=True, text=True, timeout=120)
        left = sum(len(dirs) + len(files) for _, dirs, files in os.walk(d))
        text = (p.stderr.strip().splitlines() or [""])[0] if p.returncode else p.stdout.strip()
        return p.returncode, text, left, p.stderr


def cell(s, n=300):
    s = s.replace("|", "\\|").replace("\n", " ")
    return s if len(s) <= n else s[: n - 1] + "…"


def shown(args):
    return " ".join(a if a and " " not in a else repr(a) for a in args)


def main():
    rows, bad = [], 0
    for prefix, option in OPTIONS:
        for cls, value in SCALARS:
            rows.append((cls, prefix + [option, value]))
    rows += LISTS
    print("| class | case (`phasescope … --check`, LANG=de_DE.UTF-8) | exit code | message | files left |")
    print("|---|---|---|---|---|")
    for cls, args in rows:
        code, text, left, stderr = run(args)
        trace = "Exception" in stderr or "   at " in stderr
        if code not in (0, 2) or left or trace:
            bad += 1
        case = shown(args) if len(shown(args)) < 90 else shown(args)[:88] + "…"
        print(f"| {cell(cls, 60)} | `{cell(case, 90)}` | {code} | {cell(text)} | {left} |")
    print(f"\n{len(rows)} cases; {bad} with an exit code other than 0 or 2, a stack trace or files left.", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
