"""vglab.init_sigma and notebook 05's new checkers under the hostile-input contract (hostile.py)."""
from __future__ import annotations

import math

import torch
from hostile import HOSTILE, Case, hostile_test
from hypothesis import given, strategies as st

from vglab import exercises as ex
from vglab import init_sigma

COVERS = ("vglab.init_sigma.max_fprime", "vglab.init_sigma.q_bound", "vglab.init_sigma.pascanu_rows",
          "vglab.init_sigma.format_pascanu_table", "vglab.init_sigma.latching_q",
          "vglab.exercises.init_sigma.check_q_from_gain", "vglab.exercises.init_sigma.check_pascanu_variance",
          "vglab.exercises.init_sigma.check_variance_for_radius")

ROWS = [{"setting": "variance 0.01", "std": 0.1, "Q": [1.0, 2.0]}]
PROWS = init_sigma.pascanu_rows(ROWS, n_hidden=8)


def _run():
    return {"data": {"settings": {"T": 20}, "rows": {"temporal_order": {"plain": {
        "test_score": [0.9, 1.0], "trace": {"update": [0, 10, 20], "q": [[1.0, 0.5, 0.0], [0.2, 0.1, -0.3]]}}}}}}


CASES = [
    Case("vglab.init_sigma.max_fprime", init_sigma.max_fprime, lambda: {"activation": "sigmoid"}),
    Case("vglab.init_sigma.q_bound", init_sigma.q_bound,
         lambda: {"sigma_max": torch.tensor([0.5, 2.0]), "activation": "tanh", "h": 10}),
    Case("vglab.init_sigma.pascanu_rows", init_sigma.pascanu_rows,
         lambda: {"rows": ROWS, "seed": 0, "n_hidden": 8, "activation": "tanh", "h": 10}),
    Case("vglab.init_sigma.format_pascanu_table", init_sigma.format_pascanu_table, lambda: {"prows": PROWS}),
    Case("vglab.init_sigma.latching_q", init_sigma.latching_q,
         lambda: {"run": _run(), "method": "plain", "task": "temporal_order", "tail": 0.5}),
]

test_valid, test_hostile = hostile_test(CASES)

CHECKERS = [(ex.check_q_from_gain, -100 * math.log10(0.8)), (ex.check_pascanu_variance, 1 / 16),
            (ex.check_variance_for_radius, 0.81 / 256)]


@given(data=st.data())
def test_new_checkers_never_raise_and_never_accept_a_wrong_answer(data, capsys):
    for check, right in CHECKERS:
        wrong = data.draw(st.one_of(HOSTILE, st.sampled_from([right * 10, -right, right / 10, right + 1,
                                                              math.floor(right), (right, right),
                                                              f"{right}, {right}", [right]])))
        assert check(wrong) is False, (check.__name__, wrong)
        assert capsys.readouterr().out.startswith("Not yet:")
        assert check(right) is True
        capsys.readouterr()
