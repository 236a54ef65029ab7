#!/usr/bin/env bash
# Mutation testing (Stryker.NET, the local tool in dotnet-tools.json) of one folder of src/PhaseScope, against that
# folder's own tests. Usage: bash docs/scripts/mutation.sh Diagnosis|Consolidation|SpectralEdge[,...] [OUT_DIR]
# (several folders, comma-separated, share one build and one run: each folder's mutants against all their tests).
# Prints the final score; the JSON report (every mutant, killed or alive) is under OUT_DIR/reports/, the log (each
# mutant as it is tested) under OUT_DIR/logs/.
# Environment: MUTATION_CONCURRENCY test runners in parallel (default 2; 1 leaves a core free);
# MUTATION_FILES space-separated file names inside the folder (e.g. "TailIndex.cs PhaseCrossing.cs"; Folder/File.cs with
# several folders; File.cs{START..END} mutates only that span of the file, in characters from its start, as Stryker
# reads it) to mutate only those.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
folders=${1:?give a folder: Diagnosis, Consolidation or SpectralEdge (or several, comma-separated)}
out=${2:-/tmp/stryker-${folders//,/-}}
filter=""
IFS=',' read -r -a folder_list <<< "$folders"
for folder in "${folder_list[@]}"; do
  case "$folder" in
    Diagnosis)     f="FullyQualifiedName~PhaseScope.Tests.Diagnosis" ;;
    Consolidation) f="FullyQualifiedName~PhaseScope.Tests.Consolidation|FullyQualifiedName~ConsolidationProbeTests" ;;
    SpectralEdge)  f="FullyQualifiedName~PhaseScope.Tests.SpectralEdge|FullyQualifiedName~SpectralEdgeProbeTests" ;;
    *) echo "mutation.sh: unknown folder '$folder'; give Diagnosis, Consolidation or SpectralEdge" >&2; exit 2 ;;
  esac
  filter=${filter:+$filter|}$f
done
concurrency=${MUTATION_CONCURRENCY:-2}
[[ "$concurrency" =~ ^[1-9][0-9]*$ ]] || { echo "mutation.sh: MUTATION_CONCURRENCY must be a positive integer (got '$concurrency')" >&2; exit 2; }
mutate=()
if [[ -n "${MUTATION_FILES:-}" ]]; then
  for f in $MUTATION_FILES; do
    file=${f%%\{*}; span=${f#"$file"}   # an optional Stryker text span, e.g. TailIndex.cs{1210..1295}
    if [[ "$file" != */* ]]; then
      (( ${#folder_list[@]} == 1 )) || { echo "mutation.sh: MUTATION_FILES: '$f' names no folder; with several folders write Folder/File.cs" >&2; exit 2; }
      file="${folder_list[0]}/$file"
    fi
    [[ -f "$root/src/PhaseScope/$file" ]] || { echo "mutation.sh: MUTATION_FILES: no file src/PhaseScope/$file; give files inside the folder" >&2; exit 2; }
    mutate+=(--mutate "**/src/PhaseScope/$file$span")
  done
else
  for folder in "${folder_list[@]}"; do mutate+=(--mutate "**/src/PhaseScope/$folder/**/*.cs"); done
fi
cd "$root"
dotnet tool restore >/dev/null
cd tests/PhaseScope.Tests
dotnet stryker --project PhaseScope.csproj "${mutate[@]}" \
  --test-case-filter "$filter" --reporter json --reporter cleartext --log-to-file -c "$concurrency" --output "$out" | tee "$out.log" | grep -E "final mutation score" || true
