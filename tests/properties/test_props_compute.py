"""The compute modules of notebooks 00, 01, 03, 04 and 05 (intro, modules, saturation, deep_mlp, bptt,
lstm, init_scale) under the hostile-input contract (hostile.py). Everything tiny: a few units, a few
steps; the slow callables carry a lower ``examples`` bound."""
from __future__ import annotations

import torch
from hostile import Case, built_once, hostile_test

from vglab import bptt, deep_mlp, init_scale, intro, lstm, modules as M, saturation, srn
from vglab.exercises import saturation as ex_sat

G = lambda s=0: torch.Generator().manual_seed(s)  # noqa: E731


def _x(*shape, dtype=torch.float64, seed=0):
    return torch.randn(*shape, generator=G(seed), dtype=dtype)


def _srn():
    return srn.SRN(6, 4, 4, generator=G(0))


def _batch(n=3, T=10):
    from vglab import tasks
    return tasks.make_batch("temporal_order", n, T, generator=G(1))


def _fwd(cls, *args):
    """A module's forward on X (modules have no constructor arguments worth probing)."""
    def forward(X):
        return cls(*args).forward(X)
    forward.__qualname__ = f"{cls.__name__}().forward"
    return forward


def _fwd2(cls):
    def forward(X1, X2):
        return cls().forward(X1, X2)
    forward.__qualname__ = f"{cls.__name__}().forward"
    return forward


def _mlp(depth=3, width=8, activation="tanh"):
    return deep_mlp.build_mlp(depth, width, activation, n_in=5, n_out=3, seed=0)


def _xy():
    return _x(6, 5, dtype=torch.float32), torch.tensor([0, 1, 2, 0, 1, 2])


def _probe(keep=False):
    x, y = _xy()
    return saturation.probe(_mlp(), x, y, lr=0.1, keep=keep)


_HIST = []


def _hist():
    """One tiny train_digits run (made once)."""
    if not _HIST:
        _HIST.append(deep_mlp.train_digits(deep_mlp.build_mlp(2, 4, "relu", seed=0), _digits(), steps=4,
                                           batch_size=8, probe_every=2, progress_bar=False))
    return _HIST[0]


def _profile():
    return init_scale.gradient_profile(0.01, n_hidden=6, h=9, n_networks=2, n_sequences=3)


CASES = [
    # ---- intro (00) ----
    Case("vglab.intro.chain_gain", intro.chain_gain, lambda: {"factor": 0.9, "depth": 5}),
    Case("vglab.intro.layers_until", intro.layers_until, lambda: {"factor": 0.5, "threshold": 1e-3}, finite=False),
    Case("vglab.intro.stack_gradients", intro.stack_gradients,
         lambda: {"activation": "tanh", "gain": 1.0, "depth": 3, "width": 6, "batch": 4, "n_networks": 2, "seed": 0},
         examples=4),
    Case("vglab.intro.singular_values", intro.singular_values, lambda: {"gain": 1.0, "width": 6, "seed": 0}),
    # ---- modules (01) ----
    Case("vglab.modules.Param", M.Param, lambda: {"value": _x(2, 3)}),
    Case("vglab.modules.Module", lambda: M.Module(), lambda: {}, probe=()),
    Case("vglab.modules.Linear", M.Linear, lambda: {"n_in": 3, "n_out": 2, "bias": True, "generator": G(0)}),
    Case("vglab.modules.ReLU", _fwd(M.ReLU), lambda: {"X": _x(2, 3)}),
    Case("vglab.modules.Sigmoid", _fwd(M.Sigmoid), lambda: {"X": _x(2, 3)}),
    Case("vglab.modules.Tanh", _fwd(M.Tanh), lambda: {"X": _x(2, 3)}),
    Case("vglab.modules.Branch", M.Branch, lambda: {"n": 2}),
    Case("vglab.modules.Add", _fwd2(M.Add), lambda: {"X1": _x(2, 3), "X2": _x(2, 3, seed=1)}),
    Case("vglab.modules.Max", _fwd2(M.Max), lambda: {"X1": _x(2, 3), "X2": _x(2, 3, seed=1)}),
    Case("vglab.modules.Softmax", _fwd(M.Softmax), lambda: {"X": _x(2, 3)}),
    Case("vglab.modules.LogSoftmax", _fwd(M.LogSoftmax), lambda: {"X": _x(2, 3)}),
    # log 0 = −inf is the lesson of notebook 01 §6: Softmax → Log of an underflowed probability
    Case("vglab.modules.Log", _fwd(M.Log), lambda: {"X": _x(2, 3).abs() + 0.1}, finite=False),
    Case("vglab.modules.NLL", lambda logp, y: M.NLL().forward(logp, y),
         lambda: {"logp": torch.log_softmax(_x(2, 3), 1), "y": torch.tensor([0, 2])}),
    Case("vglab.modules.CrossEntropy", lambda X, y: M.CrossEntropy().forward(X, y),
         lambda: {"X": _x(2, 3), "y": torch.tensor([0, 2])}),
    Case("vglab.modules.MSE", lambda X, y: M.MSE().forward(X, y), lambda: {"X": _x(2, 3), "y": torch.tensor([0, 2])}),
    Case("vglab.modules.Sequential", lambda modules: M.Sequential(*modules) if isinstance(modules, (list, tuple))
         else M.Sequential(modules),  # *None would fail in this lambda, before Sequential sees it
         lambda: {"modules": [M.Linear(3, 2, generator=G(0)), M.Tanh()]}),
    Case("vglab.modules.jacobian_chain", M.jacobian_chain,
         lambda: {"net": M.Sequential(M.Linear(3, 2, generator=G(0)), M.Tanh()), "x": _x(1, 3)}),
    Case("vglab.modules.format_chain", M.format_chain,
         lambda: {"Js": M.jacobian_chain(M.Sequential(M.Linear(3, 2, generator=G(0)), M.Tanh()), _x(1, 3))[0]}),
    Case("vglab.modules.head_gradient", M.head_gradient,
         lambda: {"logits": _x(2, 3), "y": torch.tensor([0, 2]), "head": "log_softmax+ce"}),
    Case("vglab.modules.confident_logits", M.confident_logits, lambda: {"margin": 3.0, "n_classes": 3}),
    Case("vglab.modules.log_sigmoid", M.log_sigmoid, lambda: {"s": _x(4)}, finite=False),
    Case("vglab.modules.as_autograd", M.as_autograd, lambda: {"module": M.Tanh()}),
    # ---- saturation (03) ----
    # elementwise, as torch's activations: NaN in, NaN out at that element (their docstrings)
    Case("vglab.saturation.activation", saturation.activation, lambda: {"name": "tanh", "a": _x(5), "alpha": None},
         finite=False),
    Case("vglab.saturation.derivative", saturation.derivative, lambda: {"name": "sigmoid", "a": _x(5), "alpha": None},
         finite=False),
    Case("vglab.saturation.max_derivative", saturation.max_derivative, lambda: {"name": "elu", "alpha": 1.0}),
    Case("vglab.saturation.saturated", saturation.saturated, lambda: {"name": "tanh", "a": _x(5), "alpha": None}),
    Case("vglab.saturation.layer_factor", saturation.layer_factor, lambda: {"name": "tanh", "a": _x(5), "gain": 1.0}),
    Case("vglab.saturation.dead_units", saturation.dead_units, lambda: {"name": "relu", "a": _x(4, 3)}),
    Case("vglab.saturation.Probe", lambda **kw: _probe(), lambda: {}, probe=(), finite=False),
    Case("vglab.saturation.probe", saturation.probe,
         lambda: {"model": _mlp(), "x": _xy()[0], "y": _xy()[1], "lr": 0.1}, finite=False, examples=6),
    Case("vglab.saturation.Report", lambda: saturation.saturation_report(_mlp(), _xy()[0], _xy()[1]), lambda: {},
         probe=(), finite=False),
    Case("vglab.saturation.saturation_report", saturation.saturation_report,
         lambda: {"model": _mlp(), "x": _xy()[0], "y": _xy()[1], "lr": 0.1}, finite=False, examples=6),
    Case("vglab.exercises.saturation.dead_relu_net", ex_sat.dead_relu_net, lambda: {}, probe=()),
    # ---- deep_mlp (03) ----
    Case("vglab.deep_mlp.make_activation", deep_mlp.make_activation, lambda: {"name": "relu"}),
    Case("vglab.deep_mlp.Block", deep_mlp.Block,
         lambda: {"n_in": 4, "n_out": 4, "activation": "tanh", "residual": True, "scale": 1.0}),
    Case("vglab.deep_mlp.DeepMLP", deep_mlp.DeepMLP,
         lambda: {"depth": 2, "width": 4, "activation": "tanh", "n_in": 5, "n_out": 3, "residual": False}),
    Case("vglab.deep_mlp.init_weights", deep_mlp.init_weights,
         lambda: {"model": _mlp(), "init": "normal", "gain": 1.0, "seed": 0}),
    Case("vglab.deep_mlp.build_mlp", deep_mlp.build_mlp,
         lambda: {"depth": 2, "width": 4, "activation": "relu", "init": "kaiming", "gain": 1.0, "residual": False,
                  "n_in": 5, "n_out": 3, "seed": 0, "device": "cpu"}),
    Case("vglab.deep_mlp.critical_gain", deep_mlp.critical_gain, lambda: {"activation": "tanh", "init": "normal"}),
    Case("vglab.deep_mlp.predicted_slope", deep_mlp.predicted_slope,
         lambda: {"p": _probe(keep=True), "init": "default", "gain": 1.0}),
    Case("vglab.deep_mlp.gradient_profile", deep_mlp.gradient_profile,
         lambda: {"x": _xy()[0], "y": _xy()[1], "lr": 0.1, "depth": 2, "width": 4, "activation": "tanh",
                  "n_out": 3}, finite=False, examples=6),
    Case("vglab.deep_mlp.log_slope", deep_mlp.log_slope, lambda: {"norms": [1.0, 0.5, 0.25]}),
    Case("vglab.deep_mlp.run_stats", deep_mlp.run_stats, lambda: {"h": _hist(), "tail": 2}, finite=False),
    Case("vglab.deep_mlp.momentum_step_ratio", deep_mlp.momentum_step_ratio, lambda: {"h": _hist()},
         finite=False),  # NaN where the plain step is 0 (documented)
    Case("vglab.deep_mlp.accuracy", deep_mlp.accuracy, lambda: {"model": _mlp(), "x": _xy()[0], "y": _xy()[1]}),
    Case("vglab.deep_mlp.train_digits", deep_mlp.train_digits,
         lambda: {"model": deep_mlp.build_mlp(2, 4, "relu", seed=0), "data": _digits(), "steps": 2, "lr": 0.01,
                  "momentum": 0.9, "batch_size": 8, "probe_every": 1, "seed": 0, "progress_bar": False},
         finite=False, examples=4),
    # ---- bptt (04) ----
    Case("vglab.bptt.local_gradients", bptt.local_gradients, lambda: {"model": _srn(), "x": _batch()[0],
                                                                       "y": _batch()[1]}),
    Case("vglab.bptt.manual_local_gradients", bptt.manual_local_gradients,
         lambda: {"model": _srn(), "x": _batch()[0], "y": _batch()[1]}),
    Case("vglab.bptt.delta_norms", bptt.delta_norms, lambda: {"delta": _x(3, 10, 4)}),
    Case("vglab.bptt.weight_grad_norms", bptt.weight_grad_norms, lambda: {"z": _x(3, 10, 4), "delta": _x(3, 10, 4)}),
    Case("vglab.bptt.q_factor", bptt.q_factor, lambda: {"delta": _x(3, 10, 4), "h": 3}),
    Case("vglab.bptt.jacobians", bptt.jacobians, lambda: {"model": _srn(), "a": _x(3, 10, 4)}),
    Case("vglab.bptt.jacobian_product_norms", bptt.jacobian_product_norms,
         lambda: {"J": bptt.jacobians(_srn(), _x(3, 10, 4)), "h_max": 3}),
    Case("vglab.bptt.delta_profile", bptt.delta_profile, lambda: {"delta": _x(3, 10, 4), "h_max": 3}),
    Case("vglab.bptt.norm_bound", bptt.norm_bound, lambda: {"model": _srn(), "delta_last_norm": 1.0, "h_max": 4}),
    Case("vglab.bptt.step_factor", bptt.step_factor, lambda: {"model": _srn(), "x": _batch()[0]}),
    Case("vglab.bptt.predicted_q", bptt.predicted_q, lambda: {"factor": 0.5, "h": 3}),
    Case("vglab.bptt.q_per_step", bptt.q_per_step, lambda: {"delta": _x(3, 10, 4), "edges": [0, 2, 5]}),
    # ---- lstm (04) ----
    Case("vglab.lstm.LSTM", lstm.LSTM, lambda: {"n_in": 6, "n_hidden": 4, "n_out": 4, "forget_bias": 1.0,
                                                 "output": "softmax", "generator": G(0)}),
    Case("vglab.lstm.MultiLSTM", lstm.MultiLSTM, lambda: {"n_networks": 2, "n_in": 6, "n_hidden": 4, "n_out": 4,
                                                           "forget_bias": 1.0, "generator": G(0)}),
    Case("vglab.lstm.task_loss", lstm.task_loss, lambda: _lstm_out()),
    Case("vglab.lstm.state_gradient_norms", lstm.state_gradient_norms,
         lambda: {"model": lstm.LSTM(6, 4, 4, generator=G(0)), "x": _batch()[0], "y": _batch()[1]}),
    Case("vglab.lstm.train_on_task", lstm.train_on_task,
         lambda: {"model": lstm.LSTM(6, 4, 4, generator=G(0)), "task": "temporal_order", "T": 10, "n_steps": 2,
                  "batch_size": 4, "lr": 0.01, "clip": 1.0, "eval_every": 1, "n_eval": 8, "progress_bar": False,
                  "generator": G(0)}, finite=False, examples=4),
    Case("vglab.lstm.comparison_models", lstm.comparison_models,
         lambda: {"n_in": 6, "n_hidden": 4, "n_out": 4, "forget_biases": (0.0, 1.0), "sigma2": 0.01,
                  "n_networks": 2, "generator": G(0)}),
    Case("vglab.lstm.state_gradient_curves", lstm.state_gradient_curves,
         lambda: {"models": {"lstm": lstm.LSTM(6, 4, 4, generator=G(0))}, "x": _batch()[0], "y": _batch()[1]}),
    # ---- init_scale (05) ----
    Case("vglab.init_scale.InitSetting", init_scale.InitSetting, lambda: {"label": "variance 0.01", "sigma2": 0.01}),
    Case("vglab.init_scale.variance", init_scale.variance, lambda: {"v": 0.01}),
    Case("vglab.init_scale.std", init_scale.std, lambda: {"s": 0.1}),
    Case("vglab.init_scale.circle_radius", init_scale.circle_radius, lambda: {"sigma2": 0.01, "n_hidden": 10}),
    Case("vglab.init_scale.recurrent_weights", init_scale.recurrent_weights,
         lambda: {"sigma2": 0.01, "n_hidden": 5, "n_matrices": 2, "seed": 0}),
    Case("vglab.init_scale.eigenvalues", init_scale.eigenvalues, lambda: {"sigma2": 0.01, "n_hidden": 5, "seed": 0}),
    Case("vglab.init_scale.spectral_radii", init_scale.spectral_radii,
         lambda: {"sigma2": 0.01, "n_hidden": 5, "n_matrices": 2, "seed": 0}),
    Case("vglab.init_scale.largest_singular_values", init_scale.largest_singular_values,
         lambda: {"sigma2": 0.01, "n_hidden": 5, "n_matrices": 2, "seed": 0}),
    Case("vglab.init_scale.sat_rate_factor", init_scale.sat_rate_factor,
         lambda: {"setting": 0.01, "rms_fprime": 0.9, "n_hidden": 10}),
    Case("vglab.init_scale.q_from_factor", init_scale.q_from_factor, lambda: {"c": 0.5, "h": 10}),
    Case("vglab.init_scale.t_quantile_975", init_scale.t_quantile_975, lambda: {"nu": 5}),
    Case("vglab.init_scale.Profile", lambda: _profile(), lambda: {}, probe=(), finite=False),
    Case("vglab.init_scale.gradient_profile", init_scale.gradient_profile,
         lambda: {"setting": 0.01, "n_hidden": 6, "h": 9, "n_networks": 2, "n_sequences": 3, "seed": 0,
                  "dtype": torch.float64, "weight_grads": True, "device": "cpu"}, finite=False, examples=6),
    Case("vglab.init_scale.q_rows", init_scale.q_rows, lambda: {"profiles": [_profile()]}, finite=False),
    Case("vglab.init_scale.q_table", init_scale.q_table,
         lambda: {"settings": (init_scale.variance(0.01),), "n_hidden": 6, "h": 9, "n_networks": 2, "n_sequences": 3},
         probe=("settings", "n_hidden", "h"), finite=False, examples=4),
    Case("vglab.init_scale.format_q_table", init_scale.format_q_table,
         lambda: {"rows": init_scale.q_rows([_profile()])}),
    Case("vglab.init_scale.format_factor_table", init_scale.format_factor_table,
         lambda: {"rows": init_scale.q_rows([_profile()])}),
    Case("vglab.init_scale.underflow_check", init_scale.underflow_check,
         lambda: {"setting": 0.01, "n_hidden": 5, "h": 9, "n_sequences": 2, "seed": 0}, finite=False,
         long={"n_hidden": 500, "h": 2000, "n_sequences": 2000}),  # larger: valid, but seconds to minutes
    Case("vglab.init_scale.train_plain", init_scale.train_plain,
         lambda: {"T": 10, "n_steps": 2, "n_networks": 2, "batch": 2, "n_train": 8, "record_every": 1,
                  "lags": (0, 2), "n_probe": 4, "progress_bar": False},
         probe=("T", "n_steps", "n_networks", "lr", "record_every", "lags", "sigma2"), finite=False, examples=3),
]


@built_once
def _digits():
    from vglab.data import digits
    return digits(n=40, seed=0)


def _lstm_out():
    m = lstm.LSTM(6, 4, 4, generator=G(0))
    x, y = _batch()
    return {"model": m, "out": m(x), "y": y}


test_valid, test_hostile = hostile_test(CASES)
