"""vglab._args, the one validation layer: numpy scalars are numbers, bools are not, messages name the
argument and the allowed range; the config dataclasses and loop periods use it."""
import numpy as np
import pytest
import torch

from vglab import _args, autoencoder, beta_stack, bptt, deep_mlp, ds_train, lstm, optim, srn, tasks
from vglab import ds_sampling as dss
from vglab.data import digits


@pytest.mark.parametrize("v", [3, np.int64(3), np.int32(3), np.uint8(3)])
def test_integral_numbers_of_any_kind_pass_as_int(v):
    out = _args.integer("n", v, lo=1)
    assert out == 3 and type(out) is int
    assert _args.period("every", v) == 3 and _args.int_at_least("n", v) == 3


@pytest.mark.parametrize("v", [0.5, np.float32(0.5), np.float64(0.5), 1, np.int64(1)])
def test_real_numbers_of_any_kind_pass_as_float(v):
    out = _args.positive_real("lr", v)
    assert out == float(v) and type(out) is float


@pytest.mark.parametrize("call, exc, match", [
    (lambda: _args.integer("n", True, lo=1), TypeError, r"n must be an int >= 1, got bool True"),
    (lambda: _args.integer("n", np.bool_(True)), TypeError, r"n must be an int, got bool"),
    (lambda: _args.integer("n", 2.0, lo=1), TypeError, r"n must be an int >= 1, got float 2.0"),
    (lambda: _args.integer("n", "3"), TypeError, r"n must be an int, got str"),
    (lambda: _args.integer("T", 5, lo=10), ValueError, r"T must be >= 10, got 5"),
    (lambda: _args.integer("k", 9, lo=0, hi=4), ValueError, r"k must be in \[0, 4\], got 9"),
    (lambda: _args.period("eval_every", 0), ValueError, r"eval_every must be >= 1, got 0"),
    (lambda: _args.period("eval_every", -5), ValueError, r"eval_every must be >= 1"),
    (lambda: _args.positive_real("lr", 0), ValueError, r"lr must be a finite number > 0, got 0"),
    (lambda: _args.positive_real("lr", float("nan")), ValueError, r"lr must be a finite number > 0"),
    (lambda: _args.positive_real("lr", np.float32("inf")), ValueError, r"lr must be a finite number > 0"),
    (lambda: _args.positive_real("lr", True), TypeError, r"lr must be a finite number > 0, got bool"),
    (lambda: _args.positive_real("lr", "0.1"), TypeError, r"lr must be a finite number > 0, got str"),
    (lambda: _args.fraction("momentum", 1.0), ValueError, r"momentum must be a finite number in \[0, 1\)"),
    (lambda: _args.real_in_range("p", 0.0, 0, 1, lo_open=True), ValueError, r"p must be a finite number in \(0, 1\]"),
    (lambda: _args.choice("output", "relu", ("softmax", "linear")), ValueError,
     r"output must be one of \('softmax', 'linear'\), got 'relu'"),
    (lambda: _args.boolean("flag", 1), TypeError, r"flag must be True or False, got int 1"),
    (lambda: _args.names("--tasks", " , ", ("a", "b")), ValueError, r"--tasks must name at least one of"),
    (lambda: _args.names("--tasks", "a,c", ("a", "b")), ValueError, r"--tasks must be one of \('a', 'b'\), got 'c'"),
    (lambda: _args.names("--tasks", "a,a", ("a", "b")), ValueError, r"--tasks names \['a'\] more than once"),
    (lambda: _args.file_stem("--out", "../x"), ValueError, r"--out must be a plain file stem"),
    (lambda: _args.device_name("--device", "gpu0"), ValueError, r"--device: .*prefer='gpu0'"),
])
def test_rejections_name_the_argument_and_what_is_allowed(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_numpy_scalars_are_accepted_where_a_number_is_meant():
    p = [torch.zeros(3, requires_grad=True)]
    assert optim.SGD(p, lr=np.float32(0.1)) is not None and optim.Momentum(p, gamma=np.float64(0.5)) is not None
    net = srn.SRN(np.int64(6), np.int64(4), np.int64(4), sigma2=np.float32(0.1),
                  generator=torch.Generator().manual_seed(0))
    assert type(net.n_hidden) is int
    x, y = tasks.make_batch("temporal_order", np.int64(3), np.int64(10), generator=torch.Generator().manual_seed(1))
    delta = bptt.local_gradients(net, x, y)
    assert bptt.q_factor(delta, np.int64(5)) == bptt.q_factor(delta, 5)
    assert dss.ds(net, x, y, torch.zeros(4, 4), np.int64(2)) == dss.ds(net, x, y, torch.zeros(4, 4), 2)
    cfg = ds_train.Config(lr=np.float32(1e-5), h=np.int64(5), batch_size=np.int64(10))
    assert (type(cfg.lr), type(cfg.h), type(cfg.batch_size)) == (float, int, int)  # JSON-ready, like the CLI's


@pytest.mark.parametrize("make, match", [
    (lambda: ds_train.Config(lr=0), r"Config.lr must be a finite number > 0"),
    (lambda: ds_train.Config(epoch=0), r"Config.epoch must be >= 1"),  # the validation period
    (lambda: ds_train.Config(momentum=1.0), r"Config.momentum must be a finite number in \[0, 1\)"),
    (lambda: ds_train.Config(h=0), r"Config.h must be >= 1"),
    (lambda: ds_train.Config(h=2.5), r"Config.h must be an int >= 1"),
    (lambda: ds_train.Config(q_min=1.0, q_max=-1.0), r"Config.q_min must be < Config.q_max"),
    (lambda: ds_train.Config(ds_max=float("nan")), r"Config.ds_max must be a finite number > 0"),
    (lambda: ds_train.Config(reset_momentum="yes"), r"Config.reset_momentum must be True or False"),
    (lambda: ds_train.Config(threshold="relative"), r"Config.threshold must be one of"),
    (lambda: ds_train.Config(clip=-1), r"Config.clip must be a finite number > 0"),
    (lambda: autoencoder.AEConfig(record_every=0), r"AEConfig.record_every must be >= 1"),
    (lambda: autoencoder.AEConfig(lr=-1), r"AEConfig.lr must be a finite number in \(0, 3.40282e\+38\]"),
    # a learning rate float32 weights cannot take: refused, not an overflow from inside torch.optim
    (lambda: autoencoder.AEConfig(lr=1e300), r"AEConfig.lr must be a finite number in \(0, 3.40282e\+38\]"),
    (lambda: autoencoder.AEConfig(batch=1), r"AEConfig.batch must be >= 2"),
    (lambda: beta_stack.StackConfig(record_every=0), r"StackConfig.record_every must be >= 1"),
    (lambda: beta_stack.StackConfig(init_std=0.0), r"StackConfig.init_std must be a finite number > 0"),
    (lambda: beta_stack.StackConfig(depth=2.0), r"StackConfig.depth must be an int"),
])
def test_config_dataclasses_validate_every_field(make, match):
    with pytest.raises((TypeError, ValueError), match=match):
        make()


def test_config_dataclasses_keep_their_defaults_and_none():
    assert ds_train.Config().h is None and beta_stack.StackConfig(init_std=None).init_std is None
    assert autoencoder.AEConfig(d=np.int64(3)).d == 3


def test_ds_train_train_checks_its_arguments_before_training():
    net = srn.SRN(6, 4, 4, generator=torch.Generator().manual_seed(0))
    data = ds_train.make_data("temporal_order", 10, 20, 5, 5)
    with pytest.raises(TypeError, match="n_updates must be an int >= 1"):
        ds_train.train(net, data, "plain", 2.5, progress_bar=False)
    with pytest.raises(TypeError, match="config must be a ds_train.Config"):
        ds_train.train(net, data, "plain", 2, {"lr": 1e-5}, progress_bar=False)


@pytest.mark.parametrize("every", [0, -1])
def test_loop_periods_of_zero_or_less_are_refused(every):
    with pytest.raises(ValueError, match="eval_every must be >= 1"):
        lstm.train_on_task(lstm.LSTM(6, 4, 4), "temporal_order", 10, 2, eval_every=every, progress_bar=False)
    with pytest.raises(ValueError, match="probe_every must be >= 1"):
        deep_mlp.train_digits(deep_mlp.build_mlp(2, 4), digits(n=100), steps=2, probe_every=every,
                              progress_bar=False)


def test_one_validation_layer_each_name_in_one_place():
    """vglab._args (numbers, names, paths, CLI) and vglab._checked (tensors, models, containers, ``checked``)
    define no public check twice, _args forwards nothing (no module ``__getattr__``), and every
    ``_args.<name>`` / ``_checked.<name>`` that the package, tools and tests write exists where it is
    looked for: a check cannot silently resolve to another one of the same name."""
    import re
    from pathlib import Path

    from vglab import _checked
    own = lambda m: {n for n, v in vars(m).items() if callable(v) and getattr(v, "__module__", None) == m.__name__}  # noqa: E731
    assert not own(_args) & own(_checked)
    assert not hasattr(_args, "__getattr__") and not hasattr(_checked, "__getattr__")
    root = Path(__file__).resolve().parents[1]
    missing = set()
    for p in [*root.glob("vglab/**/*.py"), *root.glob("tools/*.py"), *root.glob("tests/**/*.py")]:
        for mod, name in re.findall(r"\b(_args|_checked)\.([A-Za-z_]\w*)", p.read_text()):
            if name != "py" and not hasattr({"_args": _args, "_checked": _checked}[mod], name):  # not a file name
                missing.add(f"{p.relative_to(root)}: {mod}.{name}")
    assert not missing, sorted(missing)
