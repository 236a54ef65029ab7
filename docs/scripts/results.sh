#!/usr/bin/env bash
# Issue 7: the sweeps and verdicts behind docs/RESULTS.md, exactly as they were run on this project's 2-core machine.
#
#   bash docs/scripts/results.sh [OUT=runs/results] [SCALE=small]
#
# SCALE=small is what docs/RESULTS.md reports (it fits about two hours of this machine): modular and Dyck-1 at the
# reference model and optimiser but 3000 steps and --stop-after-grok 500, λ_max on 64-example sub-batches; SCAN with a
# reduced encoder–decoder (2+2 layers, d_model 64, d_ff 128, batch 64, lr 1e-3, spectral stride 100) for 2500 steps.
# SCALE=reference runs DESIGN.md's setups unchanged (6000 steps; SCAN 3+3 layers, d_model 256, batch 256, lr 1e-4,
# 6000 steps): here 10 SCAN steps and one evaluation at that size took 106 s on one thread, so plan a bigger machine for it.
# Every sweep is resumable: run the script again after an interruption and finished runs are kept.
set -euo pipefail
out="${1:-runs/results}"; scale="${2:-small}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
"$root/phasescope" --help >/dev/null   # builds the CLI once
bin="$out/.bin"; mkdir -p "$out"
rm -rf "$bin"; cp -r "$root/src/PhaseScope.Cli/bin/Release/net10.0" "$bin"   # rebuilding the repository meanwhile changes nothing
ps=(dotnet "$bin/PhaseScope.Cli.dll")

if [ "$scale" = small ]; then
  common="--stop-after-grok 500 --curvature-batch 64 --threads 2 --no-report"
  "${ps[@]}" sweep --task modular --ops add,sub,mul,x2_y2 --seeds 42,137,2024 --weight-decay 1.0,0.0 --steps 3000 --grok-args "$common" --out "$out/sweep-mod"
  "${ps[@]}" sweep --task dyck --seeds 42,137,2024 --weight-decay 1.0,0.0 --steps 3000 --grok-args "--stop-after-grok 500 --threads 2 --no-report" --out "$out/sweep-dyck"
  "${ps[@]}" sweep --task scan --seeds 42,137,2024 --weight-decay 1.0,0.0 --steps 2500 \
    --grok-args "--layers 2 --d-model 64 --d-ff 128 --batch-size 64 --lr 1e-3 --spectral-stride 100 --spectral-window 5 --stop-after-grok 500 --curvature-batch 64 --threads 1 --no-report" --out "$out/sweep-scan"
  "${ps[@]}" sweep --task modular --ops add,mul --multitask --seeds 42 --weight-decay 1.0,0.0 --steps 3000 --grok-args "$common" --out "$out/sweep-multi"
  "${ps[@]}" sweep --task modular --ops add,mul --multitask --seeds 42 --weight-decay 1.0 --steps 12000 --grok-args "$common" --out "$out/sweep-multi-long"
else
  "${ps[@]}" sweep --task modular --ops add,sub,mul,x2_y2 --seeds 42,137,2024 --weight-decay 1.0,0.0 --steps 6000 --out "$out/sweep-mod"
  "${ps[@]}" sweep --task dyck --seeds 42,137,2024 --weight-decay 1.0,0.0 --steps 6000 --out "$out/sweep-dyck"
  "${ps[@]}" sweep --task scan --seeds 42,137,2024 --weight-decay 1.0,0.0 --steps 6000 --out "$out/sweep-scan"
  "${ps[@]}" sweep --task modular --ops add,mul --multitask --seeds 42,137,2024 --weight-decay 1.0,0.0 --steps 30000 --out "$out/sweep-multi"
  "${ps[@]}" sweep --task modular --ops add,mul,x2_y2 --multitask --seeds 42,137,2024 --weight-decay 1.0,0.0 --steps 30000 --out "$out/sweep-multi3"
fi

docs="$root/docs/results"   # the reports docs/RESULTS.md links to
"${ps[@]}" verdict "$out/sweep-mod" --window 1000 --out "$docs/modular"
"${ps[@]}" verdict "$out/sweep-dyck" --window 1000 --out "$docs/dyck"
"${ps[@]}" verdict "$out/sweep-scan" --window 1000 --out "$docs/scan"
"${ps[@]}" verdict "$out"/sweep-multi* --window 1000 --out "$docs/multitask"
"${ps[@]}" verdict "$out/sweep-mod" "$out/sweep-dyck" "$out/sweep-scan" "$out"/sweep-multi* --window 1000 --out "$docs/all"
echo "Reports: $docs/*/VERDICT.md"
