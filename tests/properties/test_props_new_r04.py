"""vglab.rnn_fixes, vglab.gru and notebook 04's new checkers under the hostile-input contract
(hostile.py): valid calls give finite results, hostile arguments a clear ValueError/TypeError naming
the argument; the checkers never raise and never accept a wrong answer."""
from __future__ import annotations

import math
import numbers

import torch
from hostile import Case, HOSTILE, hostile_test, wrong_answers
from hypothesis import given, settings, strategies as st

from vglab import exercises, gru, rnn_fixes, tasks

COVERS = (
    "vglab.rnn_fixes.RNN", "vglab.rnn_fixes.recurrent_init", "vglab.rnn_fixes.spectrum",
    "vglab.rnn_fixes.step_factor", "vglab.rnn_fixes.active_fractions", "vglab.rnn_fixes.make_models",
    "vglab.rnn_fixes.train_on_task", "vglab.rnn_fixes.train_models", "vglab.rnn_fixes.state_gradient_norms",
    "vglab.rnn_fixes.MultiGRU", "vglab.gru.MultiGRU",
    "vglab.exercises.check_orthogonal_srn_q", "vglab.exercises.check_irnn_q", "vglab.exercises.check_truncation_window",
)

X, Y = tasks.make_batch("temporal_order", 4, 10, torch.Generator().manual_seed(0))


def _gen():
    return torch.Generator().manual_seed(0)


def _rnn(**kw):
    return rnn_fixes.RNN(6, 5, 4, 0.1, 2, generator=_gen(), **kw)


CASES = [
    Case("vglab.rnn_fixes.RNN", rnn_fixes.RNN,
         lambda: {"n_in": 6, "n_hidden": 5, "n_out": 4, "sigma2": 0.1, "n_networks": 2, "output": "softmax",
                  "activation": "relu", "init": "identity", "layer_norm": True, "generator": _gen(),
                  "dtype": torch.float64, "device": "cpu"}),
    Case("vglab.rnn_fixes.recurrent_init", rnn_fixes.recurrent_init,
         lambda: {"init": "orthogonal", "n_hidden": 4, "n_networks": 2, "sigma2": 0.1, "generator": _gen(),
                  "dtype": torch.float32}),
    Case("vglab.rnn_fixes.spectrum", rnn_fixes.spectrum, lambda: {"W_rec": torch.eye(3)}),
    Case("vglab.rnn_fixes.step_factor", rnn_fixes.step_factor,
         lambda: {"model": _rnn(layer_norm=True), "x": X}),
    Case("vglab.rnn_fixes.active_fractions", rnn_fixes.active_fractions,
         lambda: {"model": _rnn(activation="relu", init="identity"), "x": X, "h": 5}),
    Case("vglab.rnn_fixes.make_models", rnn_fixes.make_models,
         lambda: {"n_in": 6, "n_hidden": 4, "n_out": 4, "kinds": ("IRNN", "GRU"), "n_networks": 2, "sigma2": 0.1,
                  "output": "softmax", "generator": _gen()}, finite=False),
    Case("vglab.rnn_fixes.train_on_task", rnn_fixes.train_on_task,
         lambda: {"model": _rnn(), "task": "temporal_order", "T": 10, "n_steps": 2, "truncate": 3,
                  "progress_bar": False, "n_eval": 8, "batch_size": 4},
         probe=("model", "task", "truncate")),
    Case("vglab.rnn_fixes.train_models", rnn_fixes.train_models,
         lambda: {"models": {"a": _rnn()}, "task": "temporal_order", "T": 10, "n_steps": 2, "seed": 1,
                  "truncate": 5, "progress_bar": False, "n_eval": 8, "batch_size": 4},
         probe=("models", "seed", "truncate")),
    Case("vglab.rnn_fixes.state_gradient_norms", rnn_fixes.state_gradient_norms,
         lambda: {"model": gru.MultiGRU(2, 6, 5, 4, generator=_gen()), "x": X, "y": Y, "truncate": 4}),
    Case("vglab.gru.MultiGRU", gru.MultiGRU,
         lambda: {"n_networks": 2, "n_in": 6, "n_hidden": 5, "n_out": 4, "update_bias": 1.0, "output": "linear",
                  "generator": _gen(), "dtype": torch.float32, "device": "cpu"}, finite=False),
]

RIGHT = {"check_orthogonal_srn_q": -50 * math.log10(0.9), "check_irnn_q": 0.5 * math.log10(0.7 / 0.25),
         "check_truncation_window": 54}
for _name, _right in RIGHT.items():
    CASES.append(Case(f"vglab.exercises.{_name}", getattr(exercises, _name), lambda r=_right: {"answer": r},
                      values=wrong_answers(_right)))

for _case in CASES:  # 69 probes: keep the file near 5 s
    _case.examples = _case.examples or 6
test_valid, test_hostile = hostile_test(CASES)


@settings(max_examples=25)
@given(data=st.data())
def test_checkers_reject_every_wrong_answer(data):
    for name, right in RIGHT.items():
        value = data.draw(st.one_of(wrong_answers(right), HOSTILE), label=name)
        try:
            same = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isclose(
                float(value), right, rel_tol=0.035)  # the checkers accept two-digit answers (up to 3 %)
        except (OverflowError, TypeError, ValueError):
            same = False
        ok = getattr(exercises, name)(value)
        assert isinstance(ok, bool) and (same or not ok), (name, value)  # a wrong answer is never accepted


def test_checker_settings_never_raise():
    for bad in (None, "x", float("nan"), -1, 10**400, (1, 2), torch.ones(2)):
        assert exercises.check_orthogonal_srn_q(1.0, bad, bad) is False
        assert exercises.check_irnn_q(1.0, bad, bad) is False
        assert exercises.check_truncation_window(1, bad) is False
