"""Notebook 08's new public names (round r08) under the hostile-input contract (hostile.py): the size of
Pascanu's Ω term, the poster's verdict label, the long-run panel, and the new exercise checkers."""
from __future__ import annotations

import torch
from hostile import Case, hostile_test

from vglab import capstone, ds_train, srn
from vglab.exercises import capstone as cx

COVERS = (
    "vglab.capstone.omega_share",
    "vglab.plots.capstone.verdict_label",
    "vglab.plots.capstone.long_run_panel",
    "vglab.exercises.capstone.check_layer_factor",
    "vglab.exercises.capstone.check_capstone_orthogonal_q",
    "vglab.exercises.capstone.check_fix_for_symptom",
    "vglab.exercises.capstone.check_capstone_q",
)

_DATA = ds_train.make_data("temporal_order", 10, 20, 5, 5, seed=0)


def _srn():
    return srn.SRN(6, 8, 4, sigma2=0.05, n_networks=2, generator=torch.Generator().manual_seed(0))


def _view():
    return {"task": "temporal_order", "updates": 100, "updates_done": 50, "finished": False, "label": "x",
            "settings": {}, "rows": {"plain": {"test_at": [50], "test_score": [[30.0, 40.0]], "trace": None}}}


def _plots():
    import matplotlib
    matplotlib.use("Agg")
    from vglab.plots import capstone as pc
    return pc


def _panel(**kw):
    import matplotlib.pyplot as plt
    try:
        return _plots().long_run_panel(**kw)
    finally:
        plt.close("all")


CASES = [
    Case("vglab.capstone.omega_share", capstone.omega_share,
         lambda: {"model": _srn(), "data": _DATA, "n_batches": 1, "seed": 0}),
    Case("vglab.plots.capstone.verdict_label", lambda verdict: _plots().verdict_label(verdict),
         lambda: {"verdict": "hurt: -5 pts vs x (ranges overlap)"}),
    Case("vglab.plots.capstone.long_run_panel", _panel, lambda: {"view": _view(), "paper": None}, finite=False),
    Case("vglab.exercises.capstone.check_layer_factor", cx.check_layer_factor, lambda: {"fn": lambda p: 0.5}),
    Case("vglab.exercises.capstone.check_capstone_orthogonal_q", cx.check_capstone_orthogonal_q, lambda: {"answer": 0.5}),
    Case("vglab.exercises.capstone.check_fix_for_symptom", cx.check_fix_for_symptom, lambda: {"answer": "x"}),
    Case("vglab.exercises.capstone.check_capstone_q", cx.check_capstone_q, lambda: {"answer": 1.0}),
]

test_valid, test_hostile = hostile_test(CASES)
