"""ds_train and pascanu (frozen modules of the long run) under issue 17's contract: arguments are checked at
the entry points, before any training, through ``vglab._args`` -- never inside the per-update loop."""
import numpy as np
import pytest
import torch

from vglab import ds_train as DT, engine, pascanu, srn

G = lambda s=0: torch.Generator().manual_seed(s)  # noqa: E731


def _data(T=10):
    return DT.make_data("temporal_order", T, n_train=20, n_val=10, n_test=10, seed=0)


def _model(M=None):
    return srn.SRN(6, 4, 4, n_networks=M, generator=G(0))


def test_a_horizon_beyond_the_sequence_is_refused_before_training():
    for h in (10, 50):  # h = T or more: the sweep would run outside the sequence
        with pytest.raises(ValueError, match=r"Config.h \(the horizon\) must be in \[1, 9\]"):
            DT.train(_model(), _data(), "ds", 2, DT.Config(h=h), progress_bar=False)
        with pytest.raises(ValueError, match="Config.h"):
            engine.Engine({"temporal_order": (_model(2), _data())}, ("plain", "ds"), DT.Config(h=h))


def test_a_nan_network_or_the_wrong_kind_is_refused_before_training():
    m = _model()
    with torch.no_grad():
        m.W_in[0, 0] = float("nan")
    with pytest.raises(ValueError, match="model holds NaN or Inf in W_in"):
        DT.train(m, _data(), "plain", 2, progress_bar=False)
    with pytest.raises(TypeError, match="data must be a ds_train.Data"):
        DT.compare(_model(), (1, 2), ("plain",), 2, progress_bar=False)
    with pytest.raises(ValueError, match="model must fit the task 'addition'"):
        DT.train(_model(), DT.make_data("addition", 10, 4, 2, 2), "plain", 2, progress_bar=False)
    with pytest.raises(TypeError, match="problems"):
        engine.Engine({"temporal_order": _model(2)}, ("plain",))
    with pytest.raises(TypeError, match="readings"):
        engine.compare(_model(2), _data(), np.array(["plain"]), 2, progress_bar=False)


def test_numpy_integers_give_the_same_data_and_bad_sizes_name_themselves():
    a, b = _data(), DT.make_data("temporal_order", np.int64(10), np.int64(20), np.int64(10), np.int64(10),
                                 seed=np.int64(0))
    assert all(torch.equal(x, y) for s, t in zip(a[2:], b[2:]) for x, y in zip(s, t))
    for kw, name in ((dict(n_train=0), "n_train"), (dict(n_val=1.5), "n_val"), (dict(seed=-1), "seed"),
                     (dict(n_test=10**12), "n_test")):
        with pytest.raises((TypeError, ValueError), match=name):
            DT.make_data("addition", 10, **kw)
    with pytest.raises(TypeError, match="seed"):
        DT.Stream(10, 2, "0")
    with pytest.raises(ValueError, match="fraction"):
        engine.every(100, 1e-300)  # would list 1e300 points
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="device"):
            engine.resolve_mode("auto", "cuda")
        with pytest.raises(ValueError, match="device"):
            DT.train(_model(), _data(), "plain", 2, device="cuda", progress_bar=False)


def test_clipping_refuses_a_threshold_that_would_flip_the_gradient():
    g = [torch.ones(3), torch.ones(2)]
    ref = pascanu.clip_by_global_norm(g, 1.0, False)
    assert all(torch.equal(x, y) for x, y in zip(pascanu.clip_by_global_norm(g, np.float32(1.0), False), ref))
    for bad in (-1.0, 0.0, float("nan")):
        with pytest.raises(ValueError, match="threshold"):
            pascanu.clip_by_global_norm(g, bad, False)
    with pytest.raises(TypeError, match="grads"):
        pascanu.clip_by_global_norm(torch.ones(3), 1.0, False)
    with pytest.raises(TypeError, match="networks"):
        pascanu.clip_by_global_norm(g, 1.0, "yes")
    with pytest.raises(ValueError, match="radius"):
        pascanu.smart_tanh_(srn.SRN(6, 20, 4), radius=-0.95)
    with pytest.raises(TypeError, match="f_prime"):
        m = _model()
        x = torch.zeros(1, 10, 4)
        pascanu.omega(m.W_rec.detach(), x, x, x, None)
