"""Round r03's new public names (deep_mlp's norm option, vglab.norm, notebook 03's new checkers)
under the hostile-input contract (hostile.py)."""
from __future__ import annotations

import torch
from hostile import Case, hostile_test

from vglab import deep_mlp, norm
from vglab.exercises import saturation as ex03

COVERS = ("vglab.deep_mlp.build_mlp", "vglab.deep_mlp.make_norm", "vglab.deep_mlp.normalised_slope",
          "vglab.norm.expected_initial_loss", "vglab.norm.initial_loss", "vglab.norm.batch_dependence",
          "vglab.exercises.saturation.check_sigmoid_linear_factor",
          "vglab.exercises.saturation.check_tanh_derivative",
          "vglab.exercises.saturation.check_bn_relu_factor")

_G = torch.Generator().manual_seed(0)
_X, _Y = torch.randn(24, 8, generator=_G), torch.randint(0, 10, (24,), generator=_G)


def _net(n="batch"):
    return deep_mlp.build_mlp(3, 8, "tanh", norm=n, n_in=8, seed=0)


def _probe():
    from vglab.saturation import probe
    return probe(_net(), _X, _Y, keep=True)


CASES = [
    # sizes (depth, width, n_in, n_out) are not probed: a hostile 10**6 is valid and only slow
    Case("vglab.deep_mlp.build_mlp[norm]", deep_mlp.build_mlp,
         lambda: {"depth": 2, "width": 8, "activation": "tanh", "init": "xavier", "gain": 1.0, "residual": False,
                  "n_in": 8, "seed": 0, "norm": "layer"},
         probe=("activation", "init", "gain", "residual", "seed", "norm"), finite=False),
    Case("vglab.deep_mlp.make_norm", deep_mlp.make_norm, lambda: {"norm": "batch", "width": 8},
         probe=("norm",), finite=False),
    Case("vglab.deep_mlp.normalised_slope", deep_mlp.normalised_slope, lambda: {"p": _probe(), "norm": "batch"}),
    Case("vglab.norm.expected_initial_loss", norm.expected_initial_loss, lambda: {"n_classes": 10}),
    Case("vglab.norm.initial_loss", norm.initial_loss, lambda: {"model": _net(), "x": _X, "y": _Y}),
    Case("vglab.norm.batch_dependence", norm.batch_dependence,
         lambda: {"model": _net(), "x": _X, "y": _Y, "batch_size": 4, "seed": 0}),
    Case("vglab.exercises.saturation.check_sigmoid_linear_factor", ex03.check_sigmoid_linear_factor,
         lambda: {"c": 0.3, "decades": 1.0}, finite=False),
    Case("vglab.exercises.saturation.check_tanh_derivative", ex03.check_tanh_derivative,
         lambda: {"fn": torch.tanh}, finite=False),
    Case("vglab.exercises.saturation.check_bn_relu_factor", ex03.check_bn_relu_factor, lambda: {"c": 0.9},
         finite=False),
]

test_valid, test_hostile = hostile_test(CASES)


def test_checkers_return_false_on_hostile_values(capsys):
    for bad in (None, "1.21", (1.21,), [0.5, 5.72], float("nan"), float("inf"), 10 ** 400, True, ...):
        assert ex03.check_bn_relu_factor(bad) is False
        assert ex03.check_sigmoid_linear_factor(bad, bad) is False
        assert ex03.check_sigmoid_linear_factor(0.5, bad) is False
        assert ex03.check_tanh_derivative(bad) is False
    capsys.readouterr()
