#!/usr/bin/env bash
# usage: cases.sh DLL  -> prints, per case, the exit code and output of `grok/forget/mnist ... --check`
dll="$1"; o=/tmp/settings2-runs/out
while IFS= read -r line; do
  [ -z "$line" ] && continue
  echo "### $line"
  eval "dotnet $dll $line --out $o" 2>&1 | sed 's/"Threads":[0-9]*/"Threads":T/'
  echo "rc=${PIPESTATUS[0]}"
done <<'CASES'
grok --check --steps 5
grok --check --steps 5 --cheap-only
grok --check --steps 5 --cheap-only --moments
grok --check --steps 5 --cheap-only --moments-snapshots
grok --check --steps 5 --cheap-only --curvature --curvature-track 5 --curvature-batch 32 --lanczos-iterations 7 --lanczos-tolerance 0.01 --power-iterations 3 --hutchinson 2
grok --check --steps 5 --cheap-only --spectral --spectral-window 4 --spectral-stride 7 --spectral-tensors all --spectral-sketch 100 --gap-open 2 --gap-collapse 1.1 --spectral-decompose 2
grok --check --steps 5 --consolidation batches --consolidation-samples 4 --p-smoothing 3 --tail-k 50
grok --check --steps 5 --adaptive-lr --lr-bands 0.5:1,inf:2 --control-after 10 --early-stop --early-stop-window 4 --early-stop-criteria low-p
grok --check --steps 5 --cheap-only --adaptive-lr
grok --check --steps 5 --stability
grok --check --steps 5 --stability --stability-every 0 --stability-preconditioned-every 5 --stability-batch 8 --float64-softmax
grok --check --steps 5 --stability-every 3
grok --check --steps 5 --stability --stability-every 0 --stability-preconditioned-every 0
grok --check --steps 5 --llc 10 --llc-step-size 1e-5 --llc-localization 100 --llc-batch 8 --llc-chains 3 --llc-draws 20
grok --check --steps 5 --llc-chains 3
grok --check --steps 5 --optimizer muon --muon-lr 0.01 --muon-momentum 0.9
grok --check --steps 5 --muon-lr 0.01
grok --check --steps 5 --optimizer sgd
grok --check --steps 5 --adam-eps 1e-6 --warmup 10
grok --check --steps 5 --adam-eps 1e-6 --optimizer muon
grok --check --steps 5 --on-instability reduce-lr --instability-lr-factor 0.25 --zclip 2.5 --checkpoint-every 10
grok --check --steps 5 --on-instability frob
grok --check --steps 5 --task dyck
grok --check --steps 5 --task scan --preset seed001-test7
grok --check --steps 5 --task lm --context 16
grok --check --steps 5 --preset seed001-test7
grok --check --steps 5 --multitask --op add,mul
grok --check --steps 5 --llc-chains 3 --optimizer muon --adam-eps 1e-6 --stability-every 2
grok --check --steps 5 --muon-lr 0.01 --llc-chains 3
grok --check --steps 5 --cheap-only --consolidation micro --batch-size 30
grok --check --steps 5 --grok-predictor off --monitor-budget 0.05 --tensorboard --no-per-tensor --no-report --probe-every 3
forget --check --epochs 1
forget --check --epochs 1 --cheap-only --adaptive-lr
mnist --check --steps 5
mnist --check --steps 5 --optimizer adamw --adam-eps 1e-6 --warmup 3
CASES
