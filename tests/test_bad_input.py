"""Bad input gets a clear error that names the argument (DESIGN.md conventions; issue 8 part 4).

One table: every function and class of DESIGN.md's public API table, plus ``train.fit`` and a few
other learner-facing functions, called with wrong shapes, wrong dtypes, out-of-range values,
unknown names and NaN data. Each row asserts the exception type (ValueError or TypeError -- never
an IndexError, AttributeError or RuntimeError from deep inside torch) and that the message names
the offending argument. Everything is tiny: the whole table runs in about a second.
"""
from __future__ import annotations

import math

import pytest
import torch

import vglab as vg
from vglab import beta_penalty as bp
from vglab import bptt, deep_mlp, intro, modules, optim, runtime, saturation, srn, surfaces, tasks, train
from vglab import ds_sampling as dss

NAN = float("nan")


def _srn(output="softmax", **kw):
    """A 4-unit SRN for temporal order (6 inputs, 4 classes) or for addition (2 inputs, 1 value)."""
    n_in, n_out = (6, 4) if output == "softmax" else (2, 1)
    return srn.SRN(n_in, 4, n_out, output=output, generator=torch.Generator().manual_seed(0), **kw)


def _to_batch(n=3, T=10):
    return tasks.make_batch("temporal_order", n, T, generator=torch.Generator().manual_seed(1))


def _params():
    return [torch.zeros(3, requires_grad=True)]


def _fit(**over):
    """train.fit on a one-parameter model with every argument valid except those in ``over``."""
    model = torch.nn.Linear(1, 1)
    args = dict(model=model, optimizer=optim.SGD(model.parameters(), lr=0.1),
                loss_fn=lambda m, b: (m(b) ** 2).sum(), batches=[torch.ones(1, 1)] * 2, n_steps=2)
    args.update(over)
    return train.fit(**args, progress_bar=False)


def _delta():
    m = _srn()
    x, y = _to_batch()
    return bptt.local_gradients(m, x, y)


def _ds(dW=None, h=2, y=None, x=None):
    m = _srn()
    x0, y0 = _to_batch()
    return dss.ds(m, x0 if x is None else x, y0 if y is None else y,
                  torch.zeros(4, 4) if dW is None else dW, h)


# (id, call, expected exception, regex the message must match: the argument's name)
CASES = [
    # ---- vglab.device / vglab.seed / runtime -----------------------------------------------------
    ("device-unknown-name", lambda: vg.device("gpu0"), ValueError, r"prefer='gpu0'.*cpu"),
    ("device-wrong-type", lambda: vg.device(3), ValueError, r"prefer=3"),
    ("device-unavailable", lambda: vg.device("cuda:99"), ValueError, r"prefer='cuda:99'.*not available"),
    ("seed-float", lambda: vg.seed(1.5), TypeError, r"n must be an int"),
    ("seed-negative", lambda: vg.seed(-1), ValueError, r"n must be in \[0, 2\*\*32\)"),
    ("seed-bool", lambda: vg.seed(True), TypeError, r"n must be an int"),
    ("quick-env-value", lambda: runtime._parse_quick("maybe"), ValueError, r"VGLAB_QUICK='maybe'"),
    ("cpu_threads-zero", lambda: runtime.cpu_threads(0).__enter__(), ValueError, r"n \(the number of CPU threads\) must be in \[1, 256\]"),
    # a typo of a million threads would stall the machine inside torch.set_num_threads
    ("cpu_threads-huge", lambda: runtime.cpu_threads(10**6).__enter__(), ValueError, r"must be in \[1, 256\], got 1000000"),
    # ---- vglab.optim -------------------------------------------------------------------------------
    ("SGD-lr-negative", lambda: optim.SGD(_params(), lr=-0.1), ValueError, r"lr \(η\) must be in \(0, "),
    ("SGD-lr-beyond-float32", lambda: optim.SGD(_params(), lr=1e300), ValueError, r"float32's largest number"),
    ("SGD-lr-nan", lambda: optim.SGD(_params(), lr=NAN), TypeError, r"lr must be a finite number"),
    ("SGD-lr-string", lambda: optim.SGD(_params(), lr="0.1"), TypeError, r"lr must be a finite number"),
    ("Momentum-gamma-1", lambda: optim.Momentum(_params(), gamma=1.0), ValueError, r"gamma must be in \[0, 1\)"),
    ("NAG-gamma-negative", lambda: optim.NAG(_params(), gamma=-0.1), ValueError, r"gamma must be in \[0, 1\)"),
    ("AdaGrad-eps-negative", lambda: optim.AdaGrad(_params(), eps=-1e-8), ValueError, r"eps .*>= 0"),
    ("RMSProp-alpha-1.5", lambda: optim.RMSProp(_params(), alpha=1.5), ValueError, r"alpha must be in \[0, 1\)"),
    ("AdaDelta-alpha-1", lambda: optim.AdaDelta(_params(), alpha=1.0), ValueError, r"alpha must be in \[0, 1\)"),
    ("Adam-clip_norm-0", lambda: optim.Adam(_params(), clip_norm=0), ValueError, r"clip_norm .*> 0 or None"),
    ("Nadam-gamma-nan", lambda: optim.Nadam(_params(), gamma=NAN), TypeError, r"gamma must be a finite number"),
    ("SGD-params-tensor", lambda: optim.SGD(torch.zeros(3, requires_grad=True)), TypeError, r"params"),
    ("optim.make-unknown", lambda: optim.make("adamw", _params()), ValueError, r"name \(the optimizer\) must be one of"),
    # ---- vglab.tasks -------------------------------------------------------------------------------
    ("make_batch-unknown-task", lambda: tasks.make_batch("adding", 3, 10), ValueError, r"task must be one of"),
    ("make_batch-n-0", lambda: tasks.make_batch("addition", 0, 10), ValueError, r"n must be >= 1"),
    ("make_batch-T-float", lambda: tasks.make_batch("addition", 3, 10.0), TypeError, r"T must be an int"),
    ("make_batch-T-short", lambda: tasks.make_batch("addition", 3, 5), ValueError, r"T must be >= 10"),
    ("make_batch-generator", lambda: tasks.make_batch("addition", 3, 10, generator=0), TypeError, r"generator"),
    ("make_batch-device", lambda: tasks.make_batch("addition", 3, 10, device="gpu"), ValueError, r"device"),
    ("make_dataset-unknown-task", lambda: tasks.make_dataset("xor", 3, 10), ValueError, r"task must be one of"),
    ("make_dataset-n-negative", lambda: tasks.make_dataset("addition", -3, 10), ValueError, r"n must be >= 1"),
    ("make_dataset-variant", lambda: tasks.make_dataset("addition", 3, 10, variant="sibling"), ValueError,
     r"variant"),
    ("score-unknown-task", lambda: tasks.score("foo", torch.zeros(3, 4), torch.zeros(3, dtype=torch.long)),
     ValueError, r"task must be one of"),
    ("score-out-classes", lambda: tasks.score("temporal_order", torch.zeros(3, 5), torch.zeros(3, dtype=torch.long)),
     ValueError, r"out must end in 4 classes"),
    ("score-y-length", lambda: tasks.score("temporal_order", torch.zeros(3, 4), torch.zeros(5, dtype=torch.long)),
     ValueError, r"y must hold 3 integer class labels"),
    ("score-y-float-labels", lambda: tasks.score("temporal_order", torch.zeros(3, 4), torch.zeros(3)),
     ValueError, r"y must hold 3 integer class labels"),
    ("score-y-label-range", lambda: tasks.score("temporal_order", torch.zeros(3, 4), torch.tensor([0, 1, 7])),
     ValueError, r"y must hold class labels in \[0, 4\)"),
    ("score-out-list", lambda: tasks.score("addition", [[0.1]], torch.zeros(1, 1)), TypeError, r"out must be a tensor"),
    ("score-y-nan", lambda: tasks.score("addition", torch.zeros(3, 1), torch.full((3, 1), NAN)), ValueError,
     r"y contains NaN"),
    ("score-criterion", lambda: tasks.score("addition", torch.zeros(3, 1), torch.zeros(3, 1), criterion="mse"),
     ValueError, r"criterion must be one of"),
    # ---- vglab.srn.SRN and srn.loss ----------------------------------------------------------------
    ("SRN-n_in-0", lambda: srn.SRN(0, 4, 4), ValueError, r"n_in must be >= 1"),
    ("SRN-n_hidden-float", lambda: srn.SRN(6, 4.0, 4), TypeError, r"n_hidden must be an int"),
    ("SRN-sigma2-negative", lambda: srn.SRN(6, 4, 4, sigma2=-0.01), ValueError, r"sigma2 .*> 0"),
    ("SRN-sigma2-nan", lambda: srn.SRN(6, 4, 4, sigma2=NAN), ValueError, r"sigma2 .*> 0"),
    ("SRN-output-unknown", lambda: srn.SRN(6, 4, 4, output="sigmoid"), ValueError, r"output must be one of"),
    ("SRN-n_networks-0", lambda: srn.SRN(6, 4, 4, n_networks=0), ValueError, r"n_networks must be >= 1"),
    ("SRN-activation-unknown", lambda: srn.SRN(6, 4, 4, activation="relu"), ValueError, r"activation must be one of"),
    ("SRN.forward-x-n_in", lambda: _srn()(torch.zeros(3, 10, 5)), ValueError, r"x must have shape \(B, T, n_in\)"),
    ("SRN.forward-x-2d", lambda: _srn()(torch.zeros(3, 6)), ValueError, r"x must have shape"),
    ("SRN.forward-x-int", lambda: _srn()(torch.zeros(3, 10, 6, dtype=torch.long)), TypeError, r"x must be a floating"),
    ("SRN.forward-x-list", lambda: _srn()([[0.0] * 6]), TypeError, r"x must be a tensor"),
    ("SRN.forward-x-nan", lambda: _srn()(torch.full((3, 10, 6), NAN)), ValueError, r"x contains NaN"),
    ("SRN.forward-x-wrong-M", lambda: _srn(n_networks=2)(torch.zeros(3, 3, 10, 6)), ValueError, r"x must have shape"),
    ("SRN.forward-lengths", lambda: _srn()(_to_batch()[0], lengths=torch.tensor([0, 1, 2])), ValueError,
     r"lengths must lie in \[1, T=10\]"),
    ("loss-y-shape", lambda: srn.loss(_srn(), torch.zeros(3, 4), torch.zeros(5, dtype=torch.long)), ValueError,
     r"y must have shape \(3,\)"),
    ("loss-y-float-labels", lambda: srn.loss(_srn(), torch.zeros(3, 4), torch.zeros(3)), TypeError,
     r"y must hold integer class labels"),
    ("loss-y-label-range", lambda: srn.loss(_srn(), torch.zeros(3, 4), torch.tensor([0, 1, 9])), ValueError,
     r"y must hold class labels in \[0, 4\)"),
    ("loss-out-classes", lambda: srn.loss(_srn(), torch.zeros(3, 7), torch.zeros(3, dtype=torch.long)), ValueError,
     r"out must have shape \(B, n_out\) with n_out=4"),
    ("loss-linear-y-broadcast", lambda: srn.loss(_srn("linear"), torch.zeros(3, 1), torch.zeros(3)), ValueError,
     r"y must have shape \(3, 1\)"),
    ("loss-linear-y-nan", lambda: srn.loss(_srn("linear"), torch.zeros(3, 1), torch.full((3, 1), NAN)), ValueError,
     r"y contains NaN"),
    ("loss-model-not-srn", lambda: srn.loss(torch.nn.Linear(2, 2), torch.zeros(3, 4), torch.zeros(3)), TypeError,
     r"model must be a vglab.srn.SRN"),
    # ---- vglab.bptt --------------------------------------------------------------------------------
    ("local_gradients-x-n_in", lambda: bptt.local_gradients(_srn(), torch.zeros(3, 10, 5), _to_batch()[1]),
     ValueError, r"x must have shape"),
    ("local_gradients-y-length", lambda: bptt.local_gradients(_srn(), _to_batch()[0],
                                                              torch.zeros(5, dtype=torch.long)),
     ValueError, r"y must have shape \(3,\)"),
    ("local_gradients-model", lambda: bptt.local_gradients("srn", *_to_batch()), TypeError, r"model must be"),
    ("manual_local_gradients-y-range", lambda: bptt.manual_local_gradients(_srn(), _to_batch()[0],
                                                                            torch.tensor([0, 4, 1])),
     ValueError, r"y must hold class labels in \[0, 4\)"),
    ("manual_local_gradients-x-nan", lambda: bptt.manual_local_gradients(_srn(), torch.full((3, 10, 6), NAN),
                                                                         _to_batch()[1]),
     ValueError, r"x contains NaN"),
    ("q_factor-h-equals-T", lambda: bptt.q_factor(_delta(), 10), ValueError, r"h must be in \[1, T\)"),
    ("q_factor-h-0", lambda: bptt.q_factor(_delta(), 0), ValueError, r"h must be in \[1, T\)"),
    ("q_factor-h-float", lambda: bptt.q_factor(_delta(), 2.0), TypeError, r"h must be an int"),
    ("q_factor-delta-2d", lambda: bptt.q_factor(torch.ones(3, 4), 1), ValueError, r"delta must be a tensor of shape"),
    ("q_factor-delta-zero", lambda: bptt.q_factor(torch.zeros(1, 3, 10, 4), 2), ValueError, r"‖δ‖ is exactly 0"),
    ("q_factor-delta-nan", lambda: bptt.q_factor(torch.full((3, 10, 4), NAN), 2), ValueError,
     r"norm of delta is inf or NaN"),
    # ---- vglab.ds_sampling -------------------------------------------------------------------------
    ("ds-dW_rec-shape", lambda: _ds(dW=torch.zeros(3, 3)), ValueError, r"dW_rec must have W_rec's shape \(4, 4\)"),
    ("ds-dW_rec-list", lambda: _ds(dW=[[0.0]]), TypeError, r"dW_rec must be a tensor"),
    ("ds-dW_rec-nan", lambda: _ds(dW=torch.full((4, 4), NAN)), ValueError, r"dW_rec contains NaN"),
    ("ds-h-too-long", lambda: _ds(h=20), ValueError, r"h must be in \[1, 9\]"),
    ("ds-h-float", lambda: _ds(h=2.0), TypeError, r"h must be an int"),
    ("ds-y-length", lambda: _ds(y=torch.zeros(5, dtype=torch.long)), ValueError, r"y must have shape \(3,\)"),
    ("accept-rule", lambda: dss.accept(0.0, 0.0, rule="paper"), ValueError, r"rule must be one of"),
    ("accept-q_min-above-q_max", lambda: dss.accept(0.0, 0.0, q_min=2.0), ValueError, r"q_min <= q_max"),
    ("accept-ds_max-0", lambda: dss.accept(0.0, 0.0, ds_max=0), ValueError, r"ds_max must be > 0"),
    ("accept-q-string", lambda: dss.accept("0.5", 0.0), TypeError, r"q must be a number"),
    ("accept-shapes", lambda: dss.accept(torch.zeros(3), torch.zeros(4)), ValueError, r"q and ds must have the same"),
    # ---- vglab.beta_penalty ------------------------------------------------------------------------
    ("beta_penalty-z-1d", lambda: bp.beta_penalty(torch.rand(10)), ValueError, r"z must be 2-D"),
    ("beta_penalty-z-above-1", lambda: bp.beta_penalty(torch.rand(10, 2) + 1), ValueError, r"z must lie in \[0, 1\]"),
    ("beta_penalty-z-nan", lambda: bp.beta_penalty(torch.full((10, 2), NAN)), ValueError, r"z contains NaN"),
    ("beta_penalty-z-int", lambda: bp.beta_penalty(torch.ones(10, 2, dtype=torch.long)), TypeError,
     r"z must be a floating-point tensor"),
    ("beta_penalty-z-list", lambda: bp.beta_penalty([[0.5, 0.5]]), TypeError, r"z must be a torch.Tensor"),
    ("beta_penalty-eps", lambda: bp.beta_penalty(torch.rand(10, 2), eps=0.7), ValueError, r"eps must be in"),
    ("from_logits-a-nan", lambda: bp.beta_penalty_from_logits(torch.full((10, 2), NAN)), ValueError,
     r"a contains NaN"),
    ("from_logits-a-inf", lambda: bp.beta_penalty_from_logits(torch.full((10, 2), math.inf)), ValueError,
     r"a contains Inf"),
    ("from_logits-a-1d", lambda: bp.beta_penalty_from_logits(torch.zeros(10)), ValueError, r"a must be 2-D"),
    ("fit_beta-z-negative", lambda: bp.fit_beta(torch.rand(10, 2) - 2), ValueError, r"z must lie in \[0, 1\]"),
    ("fit_beta-z-3d", lambda: bp.fit_beta(torch.rand(10, 2, 2)), ValueError, r"z must be 2-D"),
    ("fit_beta-eps", lambda: bp.fit_beta(torch.rand(10, 2), eps=-1), ValueError, r"eps must be in"),
    ("kl_to_uniform-alpha-negative", lambda: bp.kl_to_uniform(torch.tensor(-1.0), torch.tensor(1.0)), ValueError,
     r"alpha and beta must be > 0.*alpha"),
    ("kl_to_uniform-beta-nan", lambda: bp.kl_to_uniform(1.0, NAN), ValueError, r"alpha and beta must be > 0.*beta"),
    ("kl_to_uniform-string", lambda: bp.kl_to_uniform("a", 1.0), TypeError, r"alpha and beta must be numbers"),
    ("kl_to_uniform-shapes", lambda: bp.kl_to_uniform(torch.ones(3), torch.ones(4)), ValueError,
     r"alpha and beta must have the same shape"),
    # ---- vglab.train.fit ---------------------------------------------------------------------------
    ("fit-n_steps-0", lambda: _fit(n_steps=0), ValueError, r"n_steps must be >= 1"),
    ("fit-n_steps-float", lambda: _fit(n_steps=2.5), TypeError, r"n_steps must be an int"),
    ("fit-optimizer-string", lambda: _fit(optimizer="sgd"), TypeError, r"optimizer must be a torch.optim.Optimizer"),
    ("fit-loss_fn-none", lambda: _fit(loss_fn=None), TypeError, r"loss_fn must be a function"),
    ("fit-batches-none", lambda: _fit(batches=None), TypeError, r"batches must be an iterable"),
    ("fit-batches-too-few", lambda: _fit(n_steps=5), ValueError, r"batches ran out after 2 batches.*n_steps=5"),
    ("fit-log_every-0", lambda: _fit(log_every=0), ValueError, r"log_every must be >= 1"),
    ("fit-model-not-module", lambda: _fit(model="net"), TypeError, r"model must be a torch.nn.Module"),
    # ---- other learner-facing functions ------------------------------------------------------------
    ("chain_gain-factor-0", lambda: intro.chain_gain(0, 10), ValueError, r"factor must be a positive"),
    ("chain_gain-depth-float", lambda: intro.chain_gain(0.5, 2.5), ValueError, r"depth must be an int"),
    ("head_gradient-unknown", lambda: modules.head_gradient(torch.zeros(2, 3), torch.zeros(2, dtype=torch.long),
                                                            "softmax+ce"), ValueError, r"head must be one of"),
    ("surfaces.get-unknown", lambda: surfaces.get("bowl"), ValueError, r"surface must be one of"),
    ("trajectory-steps-0", lambda: surfaces.trajectory(surfaces.get("cliff"), "SGD", steps=0), ValueError,
     r"steps must be an int in \[1, 100000\]"),
    ("derivative-unknown", lambda: saturation.derivative("swish", torch.zeros(3)), ValueError,
     r"activation must be one of"),
    ("build_mlp-init-unknown", lambda: deep_mlp.build_mlp(3, 8, "relu", init="he"), ValueError, r"init must be one of"),
    ("probe-x-width", lambda: saturation.probe(deep_mlp.build_mlp(3, 8, "relu"), torch.zeros(4, 5)), ValueError,
     r"x of shape \(4, 5\).*does not fit"),
    ("probe-y-length", lambda: saturation.probe(deep_mlp.build_mlp(3, 8, "relu"), torch.zeros(4, 64),
                                                torch.zeros(5, dtype=torch.long)), ValueError,
     r"y must be a tensor with one target per row of x"),
]


@pytest.mark.parametrize("call, exc, match", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_names_the_argument(call, exc, match):
    with runtime.cpu_threads(1):
        with pytest.raises(exc, match=match):
            call()


def test_the_table_covers_the_public_api():
    """At least 25 rows, and every name of DESIGN.md's API table (plus train.fit) has a row."""
    assert len(CASES) >= 25
    ids = " ".join(c[0] for c in CASES)
    api = ["device", "seed", "SGD", "Momentum", "NAG", "AdaGrad", "RMSProp", "AdaDelta", "Adam", "Nadam",
           "make_batch", "make_dataset", "score", "SRN", "loss", "local_gradients", "manual_local_gradients",
           "q_factor", "ds-", "accept", "beta_penalty", "from_logits", "fit_beta", "kl_to_uniform", "fit-",
           "quick"]
    assert [name for name in api if name not in ids] == []
    kinds = ["nan", "shape", "float", "unknown", "0"]  # NaN data, shapes, dtypes, names, ranges
    assert all(any(k in c[0].lower() for c in CASES) for k in kinds)


def test_valid_calls_still_work():
    """The checks reject only bad input: the same functions with good arguments run (and a NaN
    output of a diverged network scores as wrong rather than raising)."""
    m = _srn()
    x, y = _to_batch()
    out = m(x)
    assert srn.loss(m, out, y).shape == ()
    assert bptt.local_gradients(m, x, y).shape == (3, 10, 4)
    assert torch.allclose(bptt.manual_local_gradients(m, x, y), bptt.local_gradients(m, x, y), atol=1e-6)
    M = _srn(n_networks=2)
    assert srn.loss(M, M(x), y).shape == (2,)
    assert isinstance(_ds(), float)
    assert dss.accept(torch.tensor([0.0, NAN]), torch.tensor([0.1, 0.1])).tolist() == [True, False]
    assert tasks.score("temporal_order", torch.full((3, 4), NAN), y) == 0.0
    assert float(bp.kl_to_uniform(torch.ones(2), 1.0).abs().max()) < 1e-6
    assert len(_fit()["loss"]) == 2


# ---- issue 17 (props2): regressions for what the property tests found --------------------------------
def test_checkers_refuse_garbage_without_raising(capsys):
    """Exercise checkers: a string is not a pair, bytes are not a number, 10**400 and a NaN returned
    by the learner's function are hints, a bad setting (c, d) is a hint, and a hint is one line."""
    from vglab import exercises as ex
    assert not ex.check_sigmoid_peak("0, 0.25", None)  # a string is never read as the pair (0, 0.25)
    assert ex.check_sigmoid_peak(0, 0.25) and ex.check_sigmoid_peak(0.0, 1 / 4)
    assert not ex.check_clip_threshold(b"1")            # bytes are not a number (float(b"1") == 1.0)
    assert not ex.check_sigmoid_peak(10**400, 0.25)     # raised OverflowError
    assert not ex.check_sigmoid_peak(10**400, 10**400)  # raised OverflowError
    assert not ex.check_product_bound(1.0, 10**400, 2)  # raised OverflowError
    assert not ex.check_log_moment(lambda z: 10**400)   # raised OverflowError
    assert not ex.check_ds_2x2(lambda *a: float("nan"))  # was True: NaN passed "abs(got - want) > tol"
    assert not ex.check_constant_layer_omega(7.4, c="x", d=None)  # raised TypeError
    capsys.readouterr()
    assert not ex.check_constant_layer_omega(7.4, d=torch.ones(2, 3))
    out = capsys.readouterr().out
    assert out.startswith("Not yet:") and out.count("\n") == 1


def test_module_forward_names_its_bad_input():
    """vglab.modules: every module's forward checks X/X1/X2/logp in the base class (one place)."""
    from vglab import modules as M
    for bad, kind in ((None, TypeError), ([1.0, 2.0], TypeError), (torch.ones(3, dtype=torch.int64), TypeError),
                      (torch.empty(0), ValueError), (torch.tensor([[NAN, 1.0]]), ValueError)):
        with pytest.raises(kind, match="X"):
            M.Tanh().forward(bad)
    with pytest.raises(ValueError, match="X1 and X2"):
        M.Add().forward(torch.ones(2, 3), torch.ones(2, 3, 4))
    M.NLL().forward(torch.tensor([[-float("inf"), 0.0]]), torch.tensor([1]))  # log 0 is allowed: no refusal


def test_activation_names_and_factors_name_the_argument():
    import numpy as np
    with pytest.raises(ValueError, match="'name'"):
        saturation.activation("swish", torch.zeros(3))
    with pytest.raises(ValueError, match="'name'"):
        deep_mlp.make_activation(np.array([1.0, 2.0]))
    with pytest.raises(TypeError, match="factor"):
        intro.chain_gain("abc", 3)
    with pytest.raises(TypeError, match="threshold"):
        intro.layers_until(0.5, None)
    assert intro.chain_gain(np.float32(0.5), 2).shape == (3,)


def test_capstone_figures_refuse_other_kinds_of_results():
    """Plots/widgets over capstone rows: one shared check (vglab.results.rows) names the argument; a loaded
    capstone run is taken as its rows."""
    from pathlib import Path

    from vglab import results
    from vglab.plots import capstone as pc
    from vglab.widgets import capstone as wc
    saved = Path(__file__).resolve().parents[1] / "results"
    table1, caps = results.load("table1_reduced", saved), results.load("capstone_mlp", saved)
    for bad, kind in ((None, TypeError), ({}, TypeError), (table1, TypeError), ([], ValueError),
                      ([{"remedy": "x"}], ValueError)):
        with pytest.raises(kind, match="rows"):
            pc.plot_scores(bad)
        with pytest.raises(kind, match="rows"):
            wc.summary_panel(bad)
    import matplotlib.pyplot as plt
    pc.plot_scores(caps)
    plt.close("all")


def test_device_arguments_are_checked_in_one_place():
    """device="cuda" on a machine without CUDA, a word or a number: a clear error naming ``device``
    (vglab._args.device), before any work -- not torch's AssertionError/RuntimeError."""
    from vglab import autoencoder, runtime
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    for bad, kind in (("cuda", ValueError), ("abc", ValueError), (1.5, TypeError)):
        with pytest.raises(kind, match="device"):
            deep_mlp.build_mlp(2, 4, "relu", device=bad)
        with pytest.raises(kind, match="device"):
            autoencoder.train_autoencoder(autoencoder.AEConfig(steps=1), device=bad, progress_bar=False)
    with pytest.raises(TypeError, match="device"):
        with runtime.cpu_threads(1, device=1.5):
            pass


# --- v17a: issue 17, the KNOWN pairs of autoencoder, beta_*, init_scale, modules, saturation, deep_mlp,
# surfaces: one regression per class of fix (each row raised a deep error or returned NaN before) ---------
def _ae():
    from vglab import autoencoder as ae
    return ae.SigmoidAutoencoder(2, 64, 8)


def _v17a_rows():
    import numpy as np

    from vglab import autoencoder as ae, beta_stack as bs, init_scale as isc
    from vglab import modules as M
    z = torch.rand(20, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64) * 0.9 + 0.05
    nan_net = deep_mlp.build_mlp(2, 4, "tanh", seed=0)
    with torch.no_grad():
        nan_net.head.weight.fill_(NAN)
    return [
        # tensors: kind, shape, NaN/Inf, range (_checked.tensor), before any work
        ("nll-logits-nan", lambda: ae.reconstruction_nll(torch.full((2, 64), NAN), torch.rand(2, 64)), ValueError, "logits"),
        ("nll-x-range", lambda: ae.reconstruction_nll(torch.zeros(2, 64), torch.full((2, 64), 2.0)), ValueError, "x must lie"),
        ("decode-z-range", lambda: ae.decode(_ae(), [[0.5, 2.0]]), ValueError, "z must lie"),
        ("nearest-images-str", lambda: ae.nearest_distance("abc", z), TypeError, "images"),
        ("l2-batched-nan", lambda: bp.l2_preactivation_batched(torch.full((2, 3, 4), NAN)), ValueError, "a holds NaN"),
        ("head_gradient-logits-str", lambda: modules.head_gradient("abc", [0], "log_softmax+ce"), TypeError, "logits"),
        ("jacobian_chain-x-shape", lambda: modules.jacobian_chain(M.Sequential(M.Linear(3, 2)), torch.ones(5)),
         ValueError, "x of shape"),
        ("gradient_profile-x-none", lambda: deep_mlp.gradient_profile(None, torch.zeros(2)), TypeError, "x must"),
        # class labels (_checked.labels): kind, length, range
        ("nll-y-str", lambda: M.NLL().forward(torch.zeros(2, 3), "ab"), TypeError, "y must"),
        ("nearest_labels-length", lambda: ae.nearest_labels(z, z, [0, 1]), ValueError, "labels must hold"),
        ("effective_classes-range", lambda: ae.effective_classes([0, 12], n_classes=10), ValueError, "labels"),
        ("accuracy-y-length", lambda: deep_mlp.accuracy(deep_mlp.build_mlp(2, 4, "relu", n_in=5), torch.zeros(4, 5),
                                                        torch.zeros(3, dtype=torch.long)), ValueError, "y must hold"),
        # models and instances (_checked.model / instance): a NaN network is refused, not reported healthy
        ("decode-model-none", lambda: ae.decode(None, [[0.5, 0.5]]), TypeError, "model"),
        ("report-model-nan", lambda: saturation.saturation_report(nan_net, torch.zeros(4, 64)), ValueError, "model has NaN"),
        ("probe-model-str", lambda: saturation.probe("net", torch.zeros(4, 64)), TypeError, "model"),
        ("train_autoencoder-config", lambda: ae.train_autoencoder(None, progress_bar=False), TypeError, "config"),
        ("train_stacks-data", lambda: bs.train_stacks(bs.StackConfig(steps=1), data="digits"), TypeError, "data"),
        ("train_digits-data", lambda: deep_mlp.train_digits(nan_net, None), TypeError, "data"),
        ("summarize_grid-runs", lambda: ae.summarize_grid({"a": 1}), TypeError, "runs"),
        ("Sequential-modules", lambda: M.Sequential(None), TypeError, "modules"),
        ("format_chain-Js", lambda: M.format_chain(None), TypeError, "Js"),
        ("q_rows-profiles", lambda: isc.q_rows(None), TypeError, "profiles"),
        ("format_q_table-rows", lambda: isc.format_q_table("abc"), TypeError, "rows"),
        # sizes (with a ceiling), seeds, numbers (_args.size / seed / real)
        ("Linear-n_in-huge", lambda: M.Linear(10**12, 2), ValueError, "n_in"),
        ("SigmoidStack-depth-str", lambda: bs.SigmoidStack(depth="3"), TypeError, "depth"),
        ("DeepMLP-width-float", lambda: deep_mlp.DeepMLP(2, 4.5, "tanh"), TypeError, "width"),
        ("sample_uniform-seed", lambda: ae.sample_uniform(_ae(), seed=-1), ValueError, "seed"),
        ("recurrent_weights-n_matrices", lambda: isc.recurrent_weights(0.01, 5, n_matrices=0), ValueError, "n_matrices"),
        ("train_plain-lr-overflow", lambda: isc.train_plain(lr=1e300, progress_bar=False), ValueError, "lr"),
        ("gradient_profile-setting-huge", lambda: isc.gradient_profile(1e12), ValueError, "setting"),
        ("underflow_check-h-short", lambda: isc.underflow_check(h=np.int64(3)), ValueError, "h must"),
        ("predicted_slope-gain", lambda: deep_mlp.predicted_slope(saturation.probe(
            deep_mlp.build_mlp(3, 8, "tanh"), torch.zeros(4, 64), keep=True), gain="1"), TypeError, "gain"),
        # eps / tol / low / Newton's settings (_args.real)
        ("beta_penalty-eps-str", lambda: bp.beta_penalty(z, eps="x"), TypeError, "eps"),
        ("fraction_saturated-tol-nan", lambda: bp.fraction_saturated(z, tol=NAN), ValueError, "tol"),
        ("counterexample-low-none", lambda: bp.counterexample(low=None), TypeError, "low"),
        ("fit_log_moments-max_iter", lambda: bp.fit_beta_log_moments([-1.0], [-1.0], max_iter=0), ValueError, "max_iter"),
        ("fit_log_moments-s1-shape", lambda: bp.fit_beta_log_moments([-1.0], [-1.0, -2.0]), ValueError, "s1 and s2"),
        ("max_derivative-alpha-str", lambda: saturation.max_derivative("elu", "1"), TypeError, "alpha"),
        # configs validate their fields
        ("InitSetting-label", lambda: isc.InitSetting("", 0.01), ValueError, "label"),
        ("InitSetting-sigma2", lambda: isc.InitSetting("x", NAN), ValueError, "sigma2"),
        ("StackConfig-seeds", lambda: bs.StackConfig(seeds=None), TypeError, "seeds"),
        ("StackConfig-arms", lambda: bs.StackConfig(arms="plain,nope"), ValueError, "arms"),
        ("surfaces.get-name", lambda: surfaces.get(None), ValueError, "surface name"),
        # beyond the KNOWN pairs: what the fixed hostile values (tools.hostile_report) still found
        ("trajectory-noise-array", lambda: surfaces.trajectory("quadratic", "SGD", steps=5, noise=np.array([1.0, 2.0])),
         TypeError, "noise"),
        ("quadratic_model-lr-overflow", lambda: surfaces.quadratic_model([[1.0]], 1e300), ValueError, "lr"),
        ("kl_to_uniform-alpha-inf", lambda: bp.kl_to_uniform(float("inf"), 1.0), ValueError, "alpha"),
        ("pascanu_rows-0d", lambda: __import__("vglab.init_sigma").init_sigma.pascanu_rows(torch.tensor(NAN)),
         TypeError, "rows"),
        ("initial_loss-x-rows", lambda: __import__("vglab.norm").norm.initial_loss(
            deep_mlp.build_mlp(2, 4, "relu", n_in=3), torch.ones(2, 3), torch.zeros(6, dtype=torch.long)), ValueError, "row of x"),
        ("chain_gain-overflow", lambda: intro.chain_gain(1e300, 5), ValueError, "factor"),
        ("stack_gradients-memory", lambda: intro.stack_gradients(width=10**6), ValueError, "width"),
        ("Linear-bias-array", lambda: M.Linear(2, 3, bias=np.array([1.0, 2.0])), TypeError, "bias"),
        ("DeepMLP-residual-tensor", lambda: deep_mlp.DeepMLP(2, 4, "tanh", residual=torch.ones(3)), TypeError, "residual"),
        ("head_gradient-head-array", lambda: M.head_gradient(torch.zeros(2, 3), [0, 1], np.array([1.0])), ValueError, "head"),
        ("critical_gain-init-array", lambda: deep_mlp.critical_gain("tanh", np.array([1.0, 2.0])), ValueError, "init"),
        ("dead_units-1d", lambda: saturation.dead_units("relu", torch.zeros(3)), ValueError, "a must have"),
        ("probe-x-0d", lambda: saturation.probe(deep_mlp.build_mlp(2, 4, "relu"), torch.tensor(1.0)), TypeError, "x must"),
    ]


_V17A = _v17a_rows()


@pytest.mark.parametrize("call, exc, match", [r[1:] for r in _V17A], ids=[r[0] for r in _V17A])
def test_v17a_bad_arguments_are_named_before_any_work(call, exc, match):
    with runtime.cpu_threads(1):
        with pytest.raises(exc, match=match):
            call()


def test_v17a_plain_lists_numbers_and_numpy_scalars_are_taken():
    """Lists, numpy arrays and numpy scalars where the meaning is plain; the valid results are unchanged."""
    import numpy as np

    from vglab import autoencoder as ae, beta_stack as bs, init_scale as isc
    from vglab import modules as M
    m = _ae()
    z = [[0.25, 0.75], [0.5, 0.5]]
    assert torch.equal(ae.decode(m, z), ae.decode(m, torch.tensor(z)))
    assert ae.effective_classes(np.array([0, 1, 1, 2])) == ae.effective_classes(torch.tensor([0, 1, 1, 2]))
    a1, b1, _ = bp.fit_beta_log_moments([-1.0], [-1.0])
    a2, b2, _ = bp.fit_beta_log_moments(torch.tensor([-1.0]), torch.tensor([-1.0]))
    assert torch.equal(a1, a2) and torch.equal(b1, b2)
    assert bs.StackConfig(seeds=np.array([0, 1]), arms=["plain"]).seeds == (0, 1)
    assert isc.InitSetting("v", np.float32(0.5)).sigma2 == 0.5
    assert isc.sat_rate_factor(0.01, [0.5, 0.25], n_hidden=100).tolist() == pytest.approx([0.5, 0.25])
    logits, y = M.confident_logits([1.0, 2.0], np.int64(3))
    assert logits.shape == (2, 3) and M.NLL().forward(torch.log_softmax(logits, 1), y.tolist()).shape == (2,)
    assert ae.sample_uniform(m, n=np.int64(2), seed=np.int64(1)).shape == (2, 64)


def test_v17a_checked_rules_run_before_the_body():
    """vglab._checked.checked: each given argument goes through its rule (the value it returns is used);
    defaults are not re-checked; an unknown rule name is a mistake at definition time."""
    import numpy as np

    from vglab import _args, _checked
    ran = []

    @_checked.checked(n=_args.size, seed=_args.seed, lam=_checked.opt(_args.real, 0))
    def f(n, seed=0, lam=None):
        ran.append(1)
        return n, seed, lam

    assert f(np.int64(3), lam=0.5) == (3, 0, 0.5) and type(f(np.int64(3))[0]) is int
    with pytest.raises(ValueError, match="seed"):
        f(2, seed=-1)
    assert len(ran) == 2
    with pytest.raises(TypeError, match="no argument"):
        _checked.checked(x=_args.size)(f)


def test_v17a_training_divergence_stays_a_divergence_error():
    """The checks refuse bad arguments, not a run that diverges: that is still DivergenceError."""
    from vglab import autoencoder as ae
    from vglab.data import digits
    with pytest.raises(train.DivergenceError):
        ae.train_autoencoder(ae.AEConfig(d=2, hidden=8, steps=20, lr=1e30), data=digits(n=60, seed=0),
                             progress_bar=False)


# ---- issue 17 (v17b): the shared checks (vglab._checked: tensor, model, record; vglab._args: reals, namespace, argv) ----
def _bad(fn, exc, name, *a, **k):
    with pytest.raises(exc, match=name):
        fn(*a, **k)


def test_tensor_and_model_arguments_are_checked_before_any_work():
    from vglab import capstone, lstm
    d = torch.ones(2, 10, 3)
    for bad, exc in ((None, TypeError), ([1.0], TypeError), (torch.ones(3, dtype=torch.int64), TypeError),
                     (torch.empty(0), ValueError), (torch.full((2, 10, 3), NAN), ValueError)):
        _bad(bptt.delta_norms, exc, "delta", bad)
        _bad(bptt.weight_grad_norms, exc, "z", bad, d)
        _bad(bptt.jacobian_product_norms, exc, "J", bad)
    _bad(bptt.weight_grad_norms, ValueError, "z and delta", torch.ones(2, 9, 3), d)  # zip would truncate
    _bad(bptt.delta_profile, TypeError, "h_max", d, "3")
    m = lstm.LSTM(6, 4, 4)
    x, y = _to_batch()
    _bad(lstm.state_gradient_norms, TypeError, "x", m, x.tolist(), y)
    _bad(lstm.task_loss, TypeError, "out", m, None, y)
    _bad(lstm.task_loss, TypeError, "y", m, m(x), y.float())
    _bad(lstm.state_gradient_curves, TypeError, "models", [m], x, y)
    _bad(capstone.srn_measures, TypeError, "x", m, None, y)
    _bad(bptt.jacobians, ValueError, "a", _srn(), torch.ones(2, 3))  # 3 units against the model's 4
    _bad(bptt.jacobian_product_norms, ValueError, "J", torch.ones(2, 3, 4))  # not square
    _bad(lstm.state_gradient_norms, ValueError, "x", m, torch.ones(2, 3, 4), y)  # 4 inputs against 6
    _bad(lstm.LSTM, ValueError, "n_hidden", 6, 10**12, 4)  # refused before allocating, not a torch MemoryError
    _bad(lstm.train_on_task, ValueError, "T", m, "temporal_order", 10**12, 1, progress_bar=False)
    net = _srn()
    with torch.no_grad():
        net.W_rec.fill_(NAN)  # a diverged network is refused, never measured as healthy
    _bad(bptt.jacobians, ValueError, "model", net, torch.ones(3, 10, 4))
    _bad(capstone.srn_measures, ValueError, "model", net, x, y)


def test_numbers_lists_and_numpy_scalars_where_the_meaning_is_plain():
    import numpy as np
    from vglab import capstone, lstm
    assert bptt.predicted_q([0.5, 0.25], 2).shape == (2,)  # a list of factors: one Q each
    assert bptt.predicted_q(np.float32(0.5), np.int64(2)) == pytest.approx(2 * math.log10(2))
    _bad(bptt.predicted_q, TypeError, "factor", None, 2)
    _bad(bptt.norm_bound, ValueError, "delta_last_norm", _srn(), -1.0, 3)
    _bad(lstm.LSTM, TypeError, "forget_bias", 6, 4, 4, forget_bias=None)
    _bad(lstm.comparison_models, TypeError, "forget_biases", 6, 4, 4, forget_biases=None)
    _bad(capstone.run_mlp, TypeError, "remedies", 3)
    _bad(capstone.run_mlp, ValueError, "remedies", "ReLU,swish")  # one str: the names it lists


def test_rows_records_and_cli_namespaces_of_another_kind_are_refused():
    import argparse
    from vglab import capstone, ds_tables
    from vglab.capstone import report
    from vglab.experiments import capstone as cli_capstone, table1
    other = {"name": "table1_reduced", "data": {"rows": [{"task": "addition"}]}}  # a saved run of another kind
    row = {"testbed": "t", "remedy": "a", "baseline": None, "score": 0.5, "chance": 0.1}
    for fn in (capstone.add_verdicts, capstone.format_table, capstone.rules_of_thumb, ds_tables.markdown):
        _bad(fn, TypeError, "rows", {"a": 1})
        _bad(fn, ValueError, "rows", other)
    _bad(report.helped, TypeError, "row", None)
    _bad(report.healthy_flow, ValueError, "row", {"flow": 1.0})
    _bad(capstone.add_verdicts, ValueError, "margin", [row], margin=NAN)
    _bad(ds_tables.epoch_trace, ValueError, "summ", {"q_mean": []})
    _bad(ds_tables.summarise, TypeError, "r", {})
    _bad(ds_tables.paper_row, ValueError, "reading", [])  # a list: no "unhashable type" from inside
    _bad(report.long_run_summary, ValueError, "view", {}, {})  # a dict that is no long_run view: no KeyError
    _bad(report.format_table, TypeError, "markdown", [row], markdown="yes")
    _bad(ds_tables.table, TypeError, "args", {"T": 100}, {})
    _bad(ds_tables.table, ValueError, "args", argparse.Namespace(T=100), {})
    _bad(table1.check, TypeError, "a", None)
    _bad(cli_capstone.check, ValueError, "a", argparse.Namespace())
    _bad(table1.use_fast, TypeError, "dev", table1.parse([]), "cpu")
    _bad(table1.paper_size, TypeError, "args", {})
    _bad(table1.parse, TypeError, "argv", "--T 10")  # a str would be split into letters


def test_panel_checks_its_arguments():
    import matplotlib
    matplotlib.use("Agg")
    from vglab.widgets.panel import Panel
    draw = lambda fig, axes, **kw: None  # noqa: E731
    _bad(Panel, TypeError, "controls", None, draw)
    _bad(Panel, TypeError, "controls", {"a": 1}, draw)
    _bad(Panel, TypeError, "draw", {}, None)
    _bad(Panel, ValueError, "nrows", {}, draw, nrows=0)
    _bad(Panel, ValueError, "dpi", {}, draw, dpi=-1)
