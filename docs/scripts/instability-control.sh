#!/usr/bin/env bash
# Acting on instability, measured (docs/INSTABILITY.md, "Acting on instability, measured"): every spiking setup below
# trained with each of {no action, --on-instability warn|reduce-lr|skip|rollback, --zclip 2.5} on the default triggers, and
# reduce-lr, skip and rollback on the forecast's warning alone (--instability-trigger warning, with the stability probe's
# uᵀHu/uᵀu every step and λ_max(P⁻¹H) every 50 steps feeding the risk), then the table.
# Resumable: a completed run is kept, an unfinished one is continued with `grok --resume`, a missing one is started.
#   PHASESCOPE=./phasescope OUT=/tmp/control-runs STEPS=1000 bash docs/scripts/instability-control.sh
# ARMS="none reduce-lr …" runs only those arms; RESULTS=DIR is where the table goes (default docs/results/instability).
# The arms fixed-lr-half and fixed-lr-tenth take no action but train at η₀/2 and η₀/10 throughout: the baseline an
# action must beat, since every action that lowers the rate trains more slowly. SEEDS="42 137" repeats every arm per
# seed (seed 42 in OUT/SETUP, another seed S in OUT/SETUP-sS, each its own row of the table).
# One run at a time, `nice -n 19`, one thread each.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PHASESCOPE=${PHASESCOPE:-$here/../../phasescope}
OUT=${OUT:-/tmp/control-runs}
STEPS=${STEPS:-1000}
model="--d-model 64 --layers 1 --heads 2 --d-ff 128"
declare -A setups=(
  # full batch (264 training pairs), no fixed clipping: the spikes of docs/INSTABILITY.md's kind, with λ_max(P⁻¹H) every 50 steps
  [mod-lr3e-3-b0.999]="--task modular --p 23 $model --lr 3e-3 --beta2 0.999 --clip 0"
  [mod-lr5e-3-b0.9999]="--task modular --p 23 $model --lr 5e-3 --beta2 0.9999 --clip 0"
)
# the stability probes of each setup's arms on the default triggers (setup 1: the margin trigger joins), and of the warning arms
declare -A probes=(
  [mod-lr3e-3-b0.999]="--stability --stability-every 0 --stability-preconditioned-every 50"
  [mod-lr5e-3-b0.9999]=""
)
forecast="--stability --stability-every 1 --stability-preconditioned-every 50"
declare -A actions=(
  [none]="" [warn]="--on-instability warn" [reduce-lr]="--on-instability reduce-lr" [skip]="--on-instability skip"
  [rollback]="--on-instability rollback" [zclip]="--zclip 2.5"
  [warning-reduce-lr]="--on-instability reduce-lr --instability-trigger warning"
  [warning-skip]="--on-instability skip --instability-trigger warning"
  [warning-rollback]="--on-instability rollback --instability-trigger warning"
  [fixed-lr-half]="" [fixed-lr-tenth]=""
)
# setup's arguments with its learning rate divided by $2 (the fixed-rate baselines)
slower() { python3 -c "import re,sys; print(re.sub(r'--lr (\S+)', lambda m: '--lr %g' % (float(m.group(1)) / float(sys.argv[2])), sys.argv[1]))" "$1" "$2"; }
arms="${ARMS:-none warn reduce-lr skip rollback zclip warning-reduce-lr warning-skip warning-rollback}"
status() { python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select status from runs').fetchone()[0])" "$1/run.db" 2>/dev/null || echo none; }
for seed in ${SEEDS:-42}; do
for setup in $(printf '%s\n' "${!setups[@]}" | sort); do
  folder=$setup; [ "$seed" = 42 ] || folder="$setup-s$seed"
  for action in $arms; do
    dir="$OUT/$folder/$action"
    case "$action" in warning-*) stab=$forecast ;; *) stab=${probes[$setup]} ;; esac
    case "$action" in fixed-lr-half) args=$(slower "${setups[$setup]}" 2) ;; fixed-lr-tenth) args=$(slower "${setups[$setup]}" 10) ;; *) args=${setups[$setup]} ;; esac
    case "$(status "$dir")" in
      completed) continue ;;
      none) rm -rf "$dir"; mkdir -p "$OUT/$folder"
            # shellcheck disable=SC2086
            nice -n 19 $PHASESCOPE grok $args $stab ${actions[$action]} --seed "$seed" --steps "$STEPS" --cheap-only --threads 1 --no-report --json \
              --checkpoint-every 100 --eval-every 50 --probe-every 10 --out "$OUT/$folder" --name "$action" > "$dir.json" 2> "$dir.err" || true ;;
      *) nice -n 19 $PHASESCOPE grok --resume "$dir" --json > "$dir.json" 2> "$dir.err" || true ;;
    esac
    echo "$folder/$action: $(status "$dir")"
  done
done
done
python3 "$here/instability-control.py" "$OUT" "${RESULTS:-$here/../results/instability}"
