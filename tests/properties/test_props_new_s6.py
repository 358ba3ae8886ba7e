"""Session 6's new public names under the hostile-input contract (hostile.py): notebook 05's
``init_sigma.q_of_mean_groups`` and ``show.typeset_minus`` (moved from init_sigma in session 7), and notebook 02's
``exercises.optim.positive_number`` (which never raises: anything that is not a number in range gives None)."""
from __future__ import annotations

import math

import torch
from hypothesis import given, settings, strategies as st

from hostile import HOSTILE, Case, hostile_test

from vglab import init_sigma, show
from vglab.exercises import optim as ex_optim


def _delta():
    return torch.tensor([[1.0, 0.5, 0.1], [2.0, 0.4, 0.2], [1.5, 0.9, 0.3], [1.0, 1.0, 1.0]], dtype=torch.float64)


CASES = [
    Case("vglab.init_sigma.q_of_mean_groups", init_sigma.q_of_mean_groups,
         lambda: {"delta": _delta(), "group_size": 2}),
    Case("vglab.show.typeset_minus", show.typeset_minus, lambda: {"text": "Q = -6.4, 1e-7, 10-90 %"},
         finite=False),
    Case("vglab.exercises.optim.positive_number", ex_optim.positive_number, lambda: {"answer": 0.375, "at_most": 1e6}),
]

test_valid, test_hostile = hostile_test(CASES)


def test_q_of_mean_groups_against_the_definition():
    d = _delta()
    per_net = init_sigma.q_of_mean_groups(d, 1)
    assert torch.allclose(per_net, torch.log10(d[:, 0]) - torch.log10(d[:, -1]))
    whole = init_sigma.q_of_mean_groups(d, 4)
    m = d.mean(0)
    assert torch.allclose(whole, (torch.log10(m[0]) - torch.log10(m[-1])).reshape(1))


def test_typeset_minus_changes_only_signs():
    assert show.typeset_minus("Q = -6.4 (-7.0 … -4.8), 1e-7, 10-90 %, 1 - z") == \
        "Q = −6.4 (−7.0 … −4.8), 1e-7, 10-90 %, 1 - z"


@settings(max_examples=60, deadline=None, derandomize=True)
@given(HOSTILE)
def test_positive_number_never_raises_and_returns_a_number_in_range_or_none(x):
    out = ex_optim.positive_number(x, at_most=1e6)
    assert out is None or (isinstance(out, float) and math.isfinite(out) and 0 < out <= 1e6)
