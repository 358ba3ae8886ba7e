"""vglab.optim against torch.optim (where the lecture equals it) and against plain transcriptions
of SOURCES.md §3 (where it does not); each slip of the slides shown by a test."""
import math

import pytest
import torch

from vglab import optim

STEPS = 200


def problem(seed=0):
    """A random least-squares problem in float64: loss(w) = mean((A w - b)²) + a small quartic."""
    g = torch.Generator().manual_seed(seed)
    A = torch.randn(40, 6, dtype=torch.float64, generator=g)
    b = torch.randn(40, dtype=torch.float64, generator=g)
    w0 = 0.5 * torch.randn(6, dtype=torch.float64, generator=g)
    return A, b, w0


def loss_fn(w, A, b):
    return ((A @ w - b) ** 2).mean() + 0.01 * (w ** 4).sum()


def run(make_opt, steps=STEPS, seed=0, with_closure=False, record=False):
    """Train w from w0 with an optimizer; returns the final w (or every w)."""
    A, b, w0 = problem(seed)
    w = w0.clone().requires_grad_()
    opt = make_opt([w])
    ws = [w.detach().clone()]
    for _ in range(steps):
        def closure():
            opt.zero_grad()
            loss = loss_fn(w, A, b)
            loss.backward()
            return loss
        if with_closure:
            opt.step(closure)
        else:
            closure()
            opt.step()
        ws.append(w.detach().clone())
    return torch.stack(ws) if record else w.detach()


EQUAL_TO_TORCH = {
    "SGD": (lambda p: optim.SGD(p, lr=0.05), lambda p: torch.optim.SGD(p, lr=0.05)),
    # lecture v = η·buf of torch's momentum buffer
    "Momentum": (lambda p: optim.Momentum(p, lr=0.02, gamma=0.9),
                 lambda p: torch.optim.SGD(p, lr=0.02, momentum=0.9)),
    # torch: initial_accumulator_value=0 and ε outside the root, like the lecture
    "AdaGrad": (lambda p: optim.AdaGrad(p, lr=0.1, eps=1e-10),
                lambda p: torch.optim.Adagrad(p, lr=0.1, eps=1e-10, initial_accumulator_value=0.0)),
    # torch RMSprop: ε outside the root, centered=False, momentum=0
    "RMSProp": (lambda p: optim.RMSProp(p, lr=0.01, alpha=0.9, eps=1e-8),
                lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-8)),
    "Adam": (lambda p: optim.Adam(p, lr=0.01, gamma=0.9, alpha=0.999, eps=1e-8),
             lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.9, 0.999), eps=1e-8)),
}


@pytest.mark.parametrize("name", list(EQUAL_TO_TORCH))
def test_matches_torch_optim_over_200_steps(name):
    ours, theirs = EQUAL_TO_TORCH[name]
    a, b = run(ours, record=True), run(theirs, record=True)
    assert (a[-1] - a[0]).norm() > 0.1  # it actually moved
    torch.testing.assert_close(a, b, rtol=0, atol=1e-6)


def test_clip_norm_equals_clip_grad_norm_():
    def clipped_torch(params):
        inner = torch.optim.Adam(params, lr=0.01)

        class Clipped:
            zero_grad = inner.zero_grad

            def step(self):
                torch.nn.utils.clip_grad_norm_(params, 0.3)
                inner.step()
        return Clipped()

    a = run(lambda p: optim.Adam(p, lr=0.01, clip_norm=0.3))
    b = run(clipped_torch)
    torch.testing.assert_close(a, b, rtol=0, atol=1e-9)


def test_clipping_records_norm_before_and_after_over_all_params():
    w1 = torch.tensor([3.0, 4.0], requires_grad=True)
    w2 = torch.tensor([12.0], requires_grad=True)
    opt = optim.SGD([w1, w2], lr=1.0, clip_norm=1.0)
    (0.5 * (w1 ** 2).sum() + 0.5 * (w2 ** 2).sum()).backward()  # g = w, ‖g‖ = 13
    opt.step()
    assert float(opt.grad_norm) == pytest.approx(13.0)
    assert float(opt.clipped_norm) == pytest.approx(1.0, rel=1e-6)
    torch.testing.assert_close(w1.detach(), torch.tensor([3.0, 4.0]) * (1 - 1 / 13), rtol=1e-5, atol=1e-6)


def test_nag_is_torch_nesterov_path_shifted_by_gamma_v():
    lr, gam = 0.02, 0.9
    ours = run(lambda p: optim.NAG(p, lr=lr, gamma=gam), with_closure=True, record=True)  # (S+1, d) the lecture's w
    torch_path = run(lambda p: torch.optim.SGD(p, lr=lr, momentum=gam, nesterov=True), record=True)
    v = ours[:-1] - ours[1:]  # w_{k+1} = w_k − v_{k+1}
    shifted = ours[1:] - gam * v  # the look-ahead point w − γv
    torch.testing.assert_close(shifted, torch_path[1:], rtol=0, atol=1e-6)
    assert (ours - torch_path).abs().max() > 1e-3  # same path, shifted: not the same numbers


def test_nag_without_closure_says_so():
    w = torch.zeros(2, requires_grad=True)
    opt = optim.NAG([w], lr=0.1)
    w.sum().backward()
    with pytest.raises(RuntimeError, match="closure"):
        opt.step()


def transcribe(name, steps=STEPS, lr=0.01, gamma=0.9, alpha=0.999, eps=1e-8, as_printed=False):
    """SOURCES.md §3 transcribed line by line on plain tensors (no torch.optim, no vglab.optim)."""
    A, b, w = problem()
    v, G, D = torch.zeros_like(w), torch.zeros_like(w), torch.zeros_like(w)
    for k in range(1, steps + 1):
        wg = w.clone().requires_grad_()
        g, = torch.autograd.grad(loss_fn(wg, A, b), wg)
        if name == "AdaDelta":
            G = alpha * G + (1 - alpha) * g * g
            delta = g * (torch.sqrt(D) + eps) / (torch.sqrt(G) + eps)
            D = alpha * D + (1 - alpha) * delta * delta
            w = w - lr * delta
            continue
        v = gamma * v + (1 - gamma) * g
        G = alpha * G + (1 - alpha) * g * g
        v_hat, G_hat = v / (1 - gamma ** k), G / (1 - alpha ** k)
        num = gamma * v_hat + (1 - gamma) / (1 - gamma ** k) * g if name == "Nadam" else v_hat
        den = torch.sqrt(G_hat) + eps
        w = w - lr * (num * den if as_printed else num / den)
    return w


def test_adadelta_matches_transcription():
    ours = run(lambda p: optim.AdaDelta(p, lr=1.0, alpha=0.9, eps=1e-3))
    torch.testing.assert_close(ours, transcribe("AdaDelta", lr=1.0, alpha=0.9, eps=1e-3), rtol=0, atol=1e-6)


def test_nadam_matches_transcription():
    ours = run(lambda p: optim.Nadam(p, lr=0.01, gamma=0.9, alpha=0.999, eps=1e-8))
    torch.testing.assert_close(ours, transcribe("Nadam"), rtol=0, atol=1e-6)


def test_adadelta_eps_inside_is_torch_adadelta():
    ours = run(lambda p: optim.AdaDelta(p, lr=0.5, alpha=0.9, eps=1e-6, eps_inside=True), record=True)
    theirs = run(lambda p: torch.optim.Adadelta(p, lr=0.5, rho=0.9, eps=1e-6), record=True)
    torch.testing.assert_close(ours, theirs, rtol=0, atol=1e-6)


def test_slip_adadelta_lecture_first_steps_1e4_smaller_than_torch():
    """SOURCES.md §3: ε outside the roots (lecture) vs inside (torch): with ε = 1e-8 and Δ = 0 the
    first step is ε·(…) against √ε·(…), a factor √ε = 1e-4."""
    ours = run(lambda p: optim.AdaDelta(p, lr=1.0, alpha=0.9, eps=1e-8), steps=3, record=True)
    theirs = run(lambda p: torch.optim.Adadelta(p, lr=1.0, rho=0.9, eps=1e-8), steps=3, record=True)
    for k in (1, 2, 3):
        ratio = float((ours[k] - ours[k - 1]).norm() / (theirs[k] - theirs[k - 1]).norm())
        assert 0.3e-4 < ratio < 3e-4, (k, ratio)


def test_slip_adam_with_odot_goes_wrong():
    """The slide's ⊙ makes the step η v̂ ⊙ (√Ĝ + ε) ≈ η g|g|: no longer ~η whatever the gradient's
    scale. Adam's path is the same for the loss × 100; the slip's first step grows 10⁴× and it diverges."""
    slip = run(lambda p: optim.Adam(p, lr=0.01, as_printed=True), steps=20, record=True)
    torch.testing.assert_close(slip[-1], transcribe("Adam", steps=20, lr=0.01, as_printed=True), rtol=0, atol=1e-6)
    A, b, w0 = problem()

    def path(as_printed, scale, steps=50):
        w = w0.clone().requires_grad_()
        opt = optim.Adam([w], lr=0.01, as_printed=as_printed)
        out = [w.detach().clone()]
        for _ in range(steps):
            opt.zero_grad()
            (scale * loss_fn(w, A, b)).backward()
            opt.step()
            out.append(w.detach().clone())
        return torch.stack(out)
    torch.testing.assert_close(path(False, 100.0), path(False, 1.0), rtol=0, atol=1e-6)  # scale-free
    s1, s100 = path(True, 1.0), path(True, 100.0)
    ratio = (s100[1] - s100[0]).norm() / (s1[1] - s1[0]).norm()
    assert ratio == pytest.approx(1e4, rel=1e-3)
    assert not torch.isfinite(s100[-1]).all() or s100[-1].norm() > 1e6


def test_slip_torch_nadam_is_not_lecture_nadam():
    ours = run(lambda p: optim.Nadam(p, lr=0.01))
    theirs = run(lambda p: torch.optim.NAdam(p, lr=0.01, betas=(0.9, 0.999), eps=1e-8))
    assert (ours - theirs).abs().max() > 1e-3


@pytest.mark.parametrize("kw, arg", [
    (dict(lr=0.0), "lr"), (dict(lr=-1e-3), "lr"), (dict(gamma=1.0), "gamma"), (dict(gamma=-0.1), "gamma"),
    (dict(alpha=1.0), "alpha"), (dict(alpha=-0.5), "alpha"), (dict(eps=-1e-8), "eps"),
    (dict(clip_norm=0.0), "clip_norm"), (dict(clip_norm=-1.0), "clip_norm"),
])
def test_bad_hyper_parameters_raise_naming_the_argument(kw, arg):
    w = torch.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match=arg):
        optim.Adam([w], **kw)


def test_bad_types_and_unknown_names():
    w = torch.zeros(2, requires_grad=True)
    with pytest.raises(TypeError, match="lr"):
        optim.SGD([w], lr="fast")
    with pytest.raises(TypeError):
        optim.SGD([w], lr=0.1, gamma=0.9)  # SGD has no γ
    with pytest.raises(ValueError, match=r"name \(the optimizer\) must be one of"):
        optim.make("Adamax", [w])
    opt = optim.make("sgd", [w], ignore_unused=True, lr=0.1, gamma=0.9, alpha=0.5)
    assert isinstance(opt, optim.SGD) and opt.defaults == {"lr": 0.1}


def test_registry_and_hyper_names():
    assert list(optim.OPTIMIZERS) == ["SGD", "Momentum", "NAG", "AdaGrad", "RMSProp", "AdaDelta", "Adam", "Nadam"]
    assert optim.hyper_names("Adam")[:4] == ("lr", "gamma", "alpha", "eps")
    assert "gamma" not in optim.hyper_names("RMSProp")
    for cls in optim.OPTIMIZERS.values():
        assert "lecture:" in cls.__doc__


@pytest.mark.parametrize("name", list(optim.OPTIMIZERS))
def test_every_optimizer_trains_a_torch_model(name):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    x = torch.randn(64, 3)
    y = x.sum(1, keepdim=True)
    hp = dict(lr=1.0, eps=1e-3) if name == "AdaDelta" else dict(lr=0.02 if name not in ("SGD",) else 0.1)
    opt = optim.make(name, model.parameters(), **hp)

    def closure():
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        return loss
    first = float(closure().detach())
    for _ in range(60):
        opt.step(closure)
    last = float(closure().detach())
    assert math.isfinite(last) and last < 0.7 * first


def test_train_digits_mlp_learns_and_restores_threads():
    threads = torch.get_num_threads()
    hist, acc = optim.train_digits_mlp("Adam", steps=40, progress_bar=False, lr=0.01)
    assert torch.get_num_threads() == threads
    assert sum(hist["loss"][-5:]) / 5 < 0.5 * hist["loss"][0] and acc > 0.5


def test_loss_curves_tell_adadelta_variants_apart_by_colour():
    # read 02r3 F1: the two AdaDelta curves differed only by dash; now their colours differ too
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.colors as mcolors
    import matplotlib.pyplot as plt
    from vglab.plots import optim as oplots
    ax = oplots.plot_loss_curves({"AdaDelta": [1.0, 0.5], "AdaDelta (ε inside)": [1.0, 0.1], "Adam": [1.0, 0.2]})
    col = {ln.get_label(): mcolors.to_hex(ln.get_color()) for ln in ax.get_lines()}
    assert len(set(col.values())) == 3, col
    plt.close(ax.figure)


def test_path_stops_a_diverging_optimizer_with_a_message_unless_asked_to_keep_it():
    """Adam as printed multiplies by (√Ĝ + ε): at a 100× loss it leaves every float within a few steps."""
    from vglab.train import DivergenceError
    make = lambda p: optim.Adam(p, lr=0.01, as_printed=True)  # noqa: E731
    with pytest.raises(DivergenceError, match="diverged at step"):
        optim.path(make, steps=50, scale=100.0)
    kept = optim.path(make, steps=50, scale=100.0, on_diverge="keep")
    assert kept.shape == (51, 6) and not torch.isfinite(kept).all()
    assert torch.isfinite(optim.path(lambda p: optim.Adam(p, lr=0.01), steps=50, scale=100.0)).all()
    with pytest.raises(ValueError, match="on_diverge"):
        optim.path(make, on_diverge="ignore")
