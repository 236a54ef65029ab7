#!/usr/bin/env bash
# Packs the library packages and the phasescope tool, installs the tool from the packed package into a fresh tool path
# and checks that `phasescope --help` names the program phasescope. Usage: bash docs/scripts/pack-tool.sh [OUT_DIR]
# (default: a temporary folder, removed at the end). Writes nothing under the repository but build output.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-$(mktemp -d)}"
keep="${1:+yes}"
feed="$out/feed"; tools="$out/tools"
mkdir -p "$feed" "$tools"
for p in PhaseScope PhaseScope.Reporting PhaseScope.Training PhaseScope.Cli; do
  dotnet pack "$root/src/$p/$p.csproj" -c Release -nologo -v q -o "$feed"
done
ls -l "$feed"
# the tool's dependencies (System.CommandLine, TorchSharp-cpu, …) come from the configured NuGet sources
dotnet tool install PhaseScope.Cli --tool-path "$tools" --add-source "$feed" --version 0.1.0
help="$("$tools/phasescope" --help)"
echo "$help" | head -5
usage="$(echo "$help" | grep -A1 '^Usage:' | tail -1)"
case "$usage" in
  *"phasescope [command] [options]"*) echo "pack-tool: ok: the installed command is named phasescope ($usage)";;
  *) echo "pack-tool: the help's usage line does not name phasescope: $usage" >&2; exit 1;;
esac
[ -n "$keep" ] || rm -rf "$out"
