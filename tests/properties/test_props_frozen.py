"""The frozen modules of the long run (srn, tasks, pascanu, ds_sampling, ds_train, engine) under the
hostile-input contract. Their code may not change while the long run hashes it: a violation found
here is listed in the case's ``known`` and marked ``xfail(strict=True, reason="frozen until the long
run ends: ...")``, so the day it is fixed the test says so.

The engine's internal helpers (``engine.pack``, ``engine.step``, ``engine.records``) take its
padded internal layout, which no learner builds by hand; they are covered through ``Engine`` and
``engine.compare`` with hostile arguments, and by ``test_engine_internals_under_a_tiny_run`` below
(``COVERS``)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hostile import Case, built_once, hostile_test

from vglab import ds_sampling as dss, ds_train, engine, pascanu, srn, tasks
from vglab.engine import pack, records, step

G = lambda s=0: torch.Generator().manual_seed(s)  # noqa: E731
T = 10


def _srn(**kw):
    return srn.SRN(6, 4, 4, generator=G(0), **kw)


def _batch(n=3):
    return tasks.make_batch("temporal_order", n, T, generator=G(1))


def _multi(task="temporal_order", M=2):
    return srn.SRN(tasks.n_inputs(task), 4, tasks.n_outputs(task), n_networks=M, generator=G(0),
                   output="softmax" if tasks.is_classification(task) else "linear")


def _dW():
    return torch.randn(4, 4, generator=G(2), dtype=torch.float32) * 1e-3


@built_once
def _data():
    return ds_train.make_data("temporal_order", T, n_train=20, n_val=10, n_test=10, seed=0)


def _unrolled():
    m = _srn()
    x, y = _batch()
    _, a, z = m(x, return_states=True)
    return m, x, y, a, z


def _sweep_args():
    m, x, y, a, z = _unrolled()
    from vglab import bptt
    d = bptt.local_gradients(m, x, y)
    return {"W_rec": m.W_rec.detach(), "a": a.detach(), "delta_k": d[:, -1].detach().float(), "dW_rec": _dW(), "h": 4,
            "f_prime": srn.nonlinearity("tanh")[1]}


@built_once
def _run():
    return ds_train.train(_srn(), _data(), "ds", 3, progress_bar=False)


def _omega_args():
    m, x, y, a, z = _unrolled()
    a = a.detach()
    dz = torch.randn(a.shape, generator=G(3))
    return {"W_rec": m.W_rec.detach(), "a": a, "z": z.detach(), "dz": dz, "f_prime": srn.nonlinearity("tanh")[1],
            "bound": 1e-20, "hold": "pascanu"}


FROZEN = dict(frozen=True)
LONG = {"n_updates": 200}  # more updates than this: a valid but long training run, not made
CASES = [
    # ---- srn ----
    Case("vglab.srn.nonlinearity", srn.nonlinearity, lambda: {"name": "tanh"}, **FROZEN),
    Case("vglab.srn.SRN", srn.SRN, lambda: {"n_in": 6, "n_hidden": 4, "n_out": 4, "sigma2": 0.01, "n_networks": None,
                                             "output": "softmax", "activation": "tanh", "generator": G(0)}, **FROZEN),
    Case("vglab.srn.loss", srn.loss, lambda: (lambda m, b: {"model": m, "out": m(b[0]), "y": b[1]})(_srn(), _batch()),
         **FROZEN),
    Case("vglab.srn.spectral_radius", srn.spectral_radius, lambda: {"W_rec": torch.eye(3) * 0.5}, **FROZEN),
    Case("vglab.srn.sigma2_for_radius", srn.sigma2_for_radius, lambda: {"rho": 1.0, "n_hidden": 10}, **FROZEN),
    # ---- tasks ----
    Case("vglab.tasks.is_classification", tasks.is_classification, lambda: {"task": "addition"}, **FROZEN),
    Case("vglab.tasks.n_inputs", tasks.n_inputs, lambda: {"task": "addition"}, **FROZEN),
    Case("vglab.tasks.n_outputs", tasks.n_outputs, lambda: {"task": "addition"}, **FROZEN),
    Case("vglab.tasks.make_batch", tasks.make_batch,
         lambda: {"task": "temporal_order", "n": 3, "T": T, "generator": G(0), "device": "cpu", "variant": "paper"},
         **FROZEN),
    Case("vglab.tasks.make_dataset", tasks.make_dataset,
         lambda: {"task": "addition", "n": 3, "T": T, "generator": G(0), "device": "cpu", "variant": "paper"}, **FROZEN),
    Case("vglab.tasks.score", tasks.score,
         lambda: {"task": "temporal_order", "out": torch.randn(3, 4, generator=G(0)), "y": _batch()[1],
                  "criterion": "lstm"}, **FROZEN),
    Case("vglab.tasks.constant_baseline", tasks.constant_baseline,
         lambda: {"task": "addition", "T": T, "criterion": "lstm", "n": 50, "generator": G(0)}, **FROZEN),
    Case("vglab.tasks.symmetric_target", tasks.symmetric_target, lambda: {"y": torch.rand(4, 1)}, **FROZEN),
    # ---- pascanu ----
    Case("vglab.pascanu.omega", pascanu.omega, _omega_args, **FROZEN),
    Case("vglab.pascanu.clip_by_global_norm", pascanu.clip_by_global_norm,
         lambda: {"grads": [torch.ones(3), torch.ones(2)], "threshold": 1.0, "networks": False,
                  "nonfinite": "propagate"}, **FROZEN),
    Case("vglab.pascanu.smart_tanh_", pascanu.smart_tanh_,
         lambda: {"model": srn.SRN(6, 20, 4, generator=G(0)), "generator": G(1), "nonzero": 15, "radius": 0.95},
         **FROZEN),
    # ---- ds_sampling ----
    # a record holds what it is given, ±inf included (a zero norm gives Q = ±inf: sweep_q_ds's docstring)
    Case("vglab.ds_sampling.Sweep", dss.Sweep, lambda: {"ds": 0.1, "q": 0.5, "norm_k": 1.0, "norm_kh": 0.3}, finite=False,
         **FROZEN),
    Case("vglab.ds_sampling.sweep", dss.sweep, _sweep_args, finite=False, **FROZEN),
    Case("vglab.ds_sampling.sweep_q_ds", dss.sweep_q_ds, _sweep_args, finite=False, **FROZEN),
    Case("vglab.ds_sampling.ds", dss.ds, lambda: {"model": _srn(), "x": _batch()[0], "y": _batch()[1], "dW_rec": _dW(),
                                                  "h": 4, "reduction": "sum"}, **FROZEN),
    Case("vglab.ds_sampling.ds_and_q", dss.ds_and_q,
         lambda: {"model": _srn(), "x": _batch()[0], "y": _batch()[1], "dW_rec": _dW(), "h": 4}, finite=False, **FROZEN),
    Case("vglab.ds_sampling.last_step_delta", dss.last_step_delta,
         lambda: {"model": _srn(), "x": _batch()[0], "y": _batch()[1]}, **FROZEN),
    Case("vglab.ds_sampling.s_fixed_d", dss.s_fixed_d,
         lambda: {"model": _srn(), "x": _batch()[0], "y": _batch()[1], "W_rec": _srn().W_rec.detach(), "h": 4},
         **FROZEN),
    Case("vglab.ds_sampling.s_full", dss.s_full,
         lambda: {"model": _srn(), "x": _batch()[0], "y": _batch()[1], "W_rec": _srn().W_rec.detach(), "h": 4},
         **FROZEN),
    Case("vglab.ds_sampling.ds_exact", dss.ds_exact,
         lambda: {"model": _srn(), "x": _batch()[0], "y": _batch()[1], "dW_rec": _dW(), "h": 4}, **FROZEN),
    Case("vglab.ds_sampling.ds_finite_difference", dss.ds_finite_difference,
         lambda: {"model": _srn(), "x": _batch()[0], "y": _batch()[1], "dW_rec": _dW(), "h": 4, "eps": 1e-6},
         **FROZEN),
    Case("vglab.ds_sampling.Factor", dss.Factor, lambda: {"gain": 1.0, "rms_fprime": 0.5, "c": 0.5}, finite=False,
         **FROZEN),  # a record, as Sweep
    Case("vglab.ds_sampling.step_factor", dss.step_factor, lambda: {"model": _srn(), "x": _batch()[0]}, **FROZEN),
    Case("vglab.ds_sampling.accept", dss.accept,
         lambda: {"q": torch.tensor([0.0, 2.0]), "ds": torch.tensor([0.1, -0.3]), "q_min": -1.0, "q_max": 1.0,
                  "ds_max": 1.0, "rule": "corrected"}, **FROZEN),
    # ---- ds_train ----
    Case("vglab.ds_train.Config", ds_train.Config,
         lambda: {"lr": 1e-3, "momentum": 0.9, "batch_size": 4, "epoch": 5, "q_min": -1.0, "q_max": 1.0,
                  "ds_max": 1.0, "h": None, "clip": 1.0, "omega_weight": 1.0}, **FROZEN),
    # a record holds what it is given (train() checks the data it is handed: _checked.data)
    Case("vglab.ds_train.Split", ds_train.Split,
         lambda: dict(zip(("x", "y", "lengths"), tasks.make_dataset("addition", 3, T, generator=G(0)))), finite=False,
         **FROZEN),
    Case("vglab.ds_train.Data", lambda **kw: ds_train.Data(**kw), lambda: _data()._asdict(), probe=(), **FROZEN),
    Case("vglab.ds_train.make_data", ds_train.make_data,
         lambda: {"task": "addition", "T": T, "n_train": 4, "n_val": 2, "n_test": 2, "seed": 0, "device": "cpu"},
         **FROZEN),
    Case("vglab.ds_train.Run", lambda **kw: _run(), lambda: {}, probe=(), finite=False, **FROZEN),
    Case("vglab.ds_train.train", ds_train.train,
         lambda: {"model": _srn(), "data": _data(), "method": "ds", "n_updates": 2, "config": ds_train.Config(),
                  "seed": 0, "device": "cpu", "progress_bar": False}, finite=False, examples=4, long=LONG, **FROZEN),
    Case("vglab.ds_train.compare", ds_train.compare,
         lambda: {"model": _srn(), "data": _data(), "readings": ("plain", "ds"), "n_updates": 2, "seed": 0,
                  "progress_bar": False}, finite=False, examples=3, long=LONG, **FROZEN),
    Case("vglab.ds_train.Stream", ds_train.Stream, lambda: {"n": 10, "batch_size": 3, "seed": 0}, **FROZEN),
    # ---- engine ----
    Case("vglab.engine.Engine", engine.Engine,
         lambda: {"problems": {"temporal_order": (_multi(), _data())}, "readings": ("plain", "ds"), "seed": 0,
                  "device": "cpu", "mode": "auto", "threads": 1, "records": "full"},
         probe=("problems", "readings", "config", "seed", "device", "mode", "threads", "records", "dtype", "test_at"),
         finite=False, examples=4, **FROZEN),
    Case("vglab.engine.compare", engine.compare,
         lambda: {"model": _multi(), "data": _data(), "readings": ("plain", "ds"), "n_updates": 2, "seed": 0,
                  "device": "cpu", "progress_bar": False}, finite=False, examples=3, long=LONG, **FROZEN),
    Case("vglab.engine.compare_tasks", engine.compare_tasks,
         lambda: {"problems": {"temporal_order": (_multi(), _data())}, "readings": ("plain",), "n_updates": 2,
                  "progress_bar": False}, finite=False, examples=3, long=LONG, **FROZEN),
    Case("vglab.engine.every", engine.every, lambda: {"n_updates": 100, "fraction": 0.1}, **FROZEN),
    Case("vglab.engine.resolve_mode", engine.resolve_mode, lambda: {"mode": "auto", "device": "cpu"}, **FROZEN),
    Case("vglab.engine.supported", engine.supported, lambda: {"reading": "ds"}, **FROZEN),
    Case("vglab.engine.verify", engine.verify,
         lambda: {"model": _multi(), "data": _data(), "readings": ("plain",), "n_updates": 2}, finite=False, examples=3, long=LONG,
         **FROZEN),
]

# engine internals: exercised through a tiny Engine run below (and through Engine/compare above)
COVERS = tuple(f"vglab.engine.pack.{n}" for n in (
    "check_problems", "pack_params", "pad_split", "pack_data", "network_flags", "output_masks", "block", "unpad",
    "scores", "to_runs", "state_dict", "load_state_dict", "resolve_mode")) + tuple(
    f"vglab.engine.records.{n}" for n in ("every", "check_points", "summarise", "stack", "by_block", "test_due",
                                          "summaries", "test_curve")) + tuple(
    f"vglab.engine.step.{n}" for n in ("buffer", "forward", "activate", "start_mask", "per_network", "last_output",
                                       "one_hot", "nll", "loss_and_error", "backward", "weight_grads", "q_factor",
                                       "sweep", "sweep_reuse")) + ("vglab.engine.core.Engine", "vglab.engine.core.supported")


def _same(a, b, where):
    if isinstance(a, dict):
        assert set(a) == set(b), where
        for k in a:
            _same(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, (list, tuple)) and not (a and isinstance(a[0], (int, float))):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{where}[{i}]")
    else:
        x, y = np.asarray(a), np.asarray(b)
        ok = np.array_equal(x, y, equal_nan=True) if x.dtype.kind in "fc" else np.array_equal(x, y)
        assert ok, where


def test_engine_internals_under_a_tiny_run():
    """A 2-task, 2-reading float32 engine run with epoch records and test points: every internal helper
    runs (pack, step, records); the records are finite, and a resume reproduces the straight run."""
    probs = {"temporal_order": (_multi(), _data()),
             "addition": (_multi("addition"),
                          ds_train.make_data("addition", T, n_train=20, n_val=10, n_test=10))}
    kw = dict(config=ds_train.Config(epoch=2, batch_size=4, lr=1e-3), dtype=torch.float32, records="epoch",
              test_at=engine.every(4, 0.5))
    eng = engine.Engine(probs, ("plain", "ds"), **kw)
    eng.run(2, progress_bar=False)
    state = eng.state_dict()
    eng.run(2, progress_bar=False)
    again = engine.Engine(probs, ("plain", "ds"), **kw)
    again.load_state_dict(state)
    again.run(2, progress_bar=False)
    _same(eng.summaries(), again.summaries(), "summaries")
    assert eng.test_curve() is not None
    assert pack.resolve_mode("auto", "cpu") == "eager" and step.q_factor(torch.tensor(1.0), torch.tensor(0.0)).isfinite()
    assert records.every(10, 0.5) == [5, 10]


@pytest.mark.parametrize("bad", [{"epoch": 0}, {"batch_size": 0}, {"lr": -1.0}, {"clip": -1.0}, {"q_min": 2.0},
                                 {"h": 0}, {"ds_max": float("nan")}])
def test_config_refuses_degenerate_settings(bad):
    with pytest.raises((ValueError, TypeError)):
        ds_train.Config(**bad)


test_valid, test_hostile = hostile_test(CASES)
