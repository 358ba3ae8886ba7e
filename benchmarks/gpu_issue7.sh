#!/usr/bin/env bash
# What is left of issue 7 on a GPU, one step per call (each under 10 minutes), from the repo root:
#
#   bash benchmarks/gpu_issue7.sh test     # the engine's tests, CUDA-graph ones included (~1 min)
#   bash benchmarks/gpu_issue7.sh bench    # benchmarks/recurrent_engine.py at T = 100, 2 000 updates, profile
#   bash benchmarks/gpu_issue7.sh T100     # Table 1 at the paper's size; repeat until it prints DONE
#   bash benchmarks/gpu_issue7.sh T150     # Table 2's setting (T = 150); repeat until it prints DONE
#   (SWEEP=reuse bash ... T100: the cheaper dS sweep, if the bench shows it faster; keep it for all calls)
#
# The table1 steps stop cleanly after 8 minutes (checkpoints/<out>.fast.pt, also every 2 minutes),
# so a call that is killed loses at most 2 minutes; the same command resumes. Then commit
# results/table1_T100.json (and _T150), benchmarks/results/*.json + profile_*.txt, fill in the
# GPU table in benchmarks/README.md, and rebuild notebook 07: python -m tools.rebuild 07.
set -u
PY=${PY:-python}
[ -x .venv/bin/python ] && PY=.venv/bin/python
case "${1:-}" in
  test)  $PY -m pytest -q -o addopts="" -p no:cacheprovider tests/test_engine.py tests/test_table1.py \
           tests/test_ds_sampling.py ;;  # no xdist/nbval options: the GPU machine may lack those plugins
  bench) $PY benchmarks/recurrent_engine.py --device cuda --T 100 --updates 2000 --repeats 3 --profile ;;
  bench-compile) $PY benchmarks/recurrent_engine.py --device cuda --T 100 --updates 2000 --repeats 3 \
                     --modes compile_cuda_graph ;;
  T100|T150)
    T=${1#T}
    $PY -m vglab.experiments.table1 --full --T "$T" --out "table1_T$T" --verify --max-minutes 8 --no-progress \
        --sweep "${SWEEP:-recompute}"
    rc=$?
    if [ $rc -eq 0 ]; then echo DONE; elif [ $rc -eq 3 ]; then echo "NOT DONE: run the same command again"; \
    else echo "FAILED (exit $rc)"; exit $rc; fi ;;
  *) sed -n '2,12p' "$0"; exit 2 ;;
esac
