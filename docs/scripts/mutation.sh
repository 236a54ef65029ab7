#!/usr/bin/env bash
# Mutation testing (Stryker.NET, the local tool in dotnet-tools.json) of one folder of src/PhaseScope, against that
# folder's own tests. Usage: bash docs/scripts/mutation.sh Diagnosis|Consolidation|SpectralEdge [OUT_DIR]
# Prints the final score; the JSON report (every mutant, killed or alive) is under OUT_DIR/reports/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
folder=${1:?give a folder: Diagnosis, Consolidation or SpectralEdge}
out=${2:-/tmp/stryker-$folder}
case "$folder" in
  Diagnosis)     filter="FullyQualifiedName~PhaseScope.Tests.Diagnosis" ;;
  Consolidation) filter="FullyQualifiedName~PhaseScope.Tests.Consolidation|FullyQualifiedName~ConsolidationProbeTests" ;;
  SpectralEdge)  filter="FullyQualifiedName~PhaseScope.Tests.SpectralEdge|FullyQualifiedName~SpectralEdgeProbeTests" ;;
  *) echo "mutation.sh: unknown folder '$folder'; give Diagnosis, Consolidation or SpectralEdge" >&2; exit 2 ;;
esac
cd "$root"
dotnet tool restore >/dev/null
cd tests/PhaseScope.Tests
dotnet stryker --project PhaseScope.csproj --mutate "**/src/PhaseScope/$folder/**/*.cs" \
  --test-case-filter "$filter" --reporter json --reporter cleartext -c 2 --output "$out" | tee "$out.log" | grep -E "final mutation score" || true
