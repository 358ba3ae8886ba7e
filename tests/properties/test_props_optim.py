"""vglab.optim and vglab.surfaces under the hostile-input contract (hostile.py)."""
from __future__ import annotations

import torch
from hostile import Case, hostile_test

from vglab import optim, surfaces


def _w():
    return [torch.zeros(3, requires_grad=True)]


CASES = [Case(f"vglab.optim.{n}", cls, lambda: {"params": _w(), "lr": 0.1}) for n, cls in optim.OPTIMIZERS.items()]
CASES += [
    Case("vglab.optim.make", optim.make, lambda: {"name": "Adam", "params": _w(), "lr": 1e-3}),
    Case("vglab.optim.hyper_names", optim.hyper_names, lambda: {"name_or_class": "RMSProp"}),
    Case("vglab.optim.path", optim.path, lambda: {"make_opt": lambda p: optim.SGD(p, lr=0.05), "steps": 5,
                                                   "seed": 0, "scale": 1.0}, long={"steps": 10_000}),
    Case("vglab.optim.train_digits_mlp", optim.train_digits_mlp,
         lambda: {"name": "SGD", "steps": 3, "hidden": 4, "batch": 8, "progress_bar": False, "lr": 0.01},
         probe=("name", "steps", "hidden", "batch", "lr", "device"), examples=6, long={"steps": 2000}),
    Case("vglab.surfaces.get", surfaces.get, lambda: {"surface": "quadratic"}),
    Case("vglab.surfaces.trajectory", surfaces.trajectory,
         lambda: {"surface": "quadratic", "optimizer": "SGD", "steps": 5, "noise": 0.0}),
    Case("vglab.surfaces.hessian", surfaces.hessian, lambda: {"surface": "quadratic", "point": (0.5, 0.5)}),
    Case("vglab.surfaces.quadratic_model", surfaces.quadratic_model,
         lambda: {"H": [[5.0, 3.0], [3.0, 5.0]], "lr": 0.1, "gamma": 0.5}),
    Case("vglab.surfaces.run_quadratic", surfaces.run_quadratic,
         lambda: {"H": [[5.0, 3.0], [3.0, 5.0]], "lr": 0.1, "gamma": 0.5, "steps": 20}, finite=False),
    Case("vglab.surfaces.contraction", surfaces.contraction,
         lambda: {"surface": "quadratic", "tr": surfaces.trajectory("quadratic", "SGD", steps=20, noise=0.0),
                  "start": 2}),
]

test_valid, test_hostile = hostile_test(CASES)
