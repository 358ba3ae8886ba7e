"""Builder for notebooks/02_sgd_variants.ipynb (run: .venv/bin/python -m tools.notebooks.02_sgd_variants)."""
from tools.nb import build, code, md, setup, solution

CHECK, IGNORE = ["nbval-check-output"], ["nbval-ignore-output"]


def _grid(surface: str):
    """The cell that draws every optimizer's path on one surface (section 2)."""
    return code(f"""
    fig, axes = subplots(2, 4, width=2.6, height=2.2, sharex=True, sharey=True)
    oplots.plot_trajectory_grid(surfaces.get("{surface}"), runs["{surface}"], axes);
    """)


cells = [
    md(r"""
    # 02 · SGD and its variants: eight update rules, four surfaces, one cliff

    The lecture (K. V. Vorontsov, *Deep neural networks*, Yandex SDA 2017 — seed 002) lists eight
    ways to turn a gradient into a step: SGD, Momentum, Nesterov's NAG, AdaGrad, RMSProp, AdaDelta,
    Adam and Nadam, and one guard against exploding gradients: **clipping**. Here each of them is a
    real `torch.optim.Optimizer` in `vglab.optim`, written line by line from the slides.

    **Learning goals.** After this notebook you can
    1. write each update rule and say what its state ($v$, $G$, $\Delta$) remembers;
    2. predict from a loss surface which optimizer zig-zags, which crawls and which overshoots;
    3. explain why a steep wall (a *cliff*) throws plain SGD away, and how clipping stops it;
    4. name three places where the printed lecture (or torch) differs from the maths, and why it matters.

    **Why this belongs in a lab on vanishing/exploding gradients.** An exploding gradient is, for the
    optimizer, just one enormous $g$. SGD turns it into an enormous step; the adaptive methods divide
    by a running size of $g$; clipping caps the step outright. A vanishing gradient is a tiny $g$, and
    the adaptive methods are the ones that scale it back up.
    """),
    md("Import the lab, seed everything once, and say which device this notebook runs on."),
    setup("""
    import torch
    import vglab as vg
    from vglab import data, exercises, optim, surfaces
    from vglab.plots import optim as oplots
    from vglab.plots.style import subplots
    from vglab.show import show_source
    from vglab.widgets.optim import cliff_panel, optimizer_panel
    """),
    md(r"""
    ## 1 · The update rules (SPEC §A, as the lecture writes them)

    $g = \nabla L_i(w)$ is the gradient of the current minibatch, $k = 1, 2, \dots$ the iteration,
    $\odot$ and $\oslash$ elementwise product and division; $\eta$ = `lr`, $\gamma$ = `gamma`,
    $\alpha$ = `alpha`, $\varepsilon$ = `eps` in `vglab.optim`.

    | label | name | update |
    |---|---|---|
    | (02.1) | SGD | $w := w - \eta g$ |
    | (02.2) | Momentum (Polyak 1964) | $v := \gamma v + \eta g;\quad w := w - v$ |
    | (02.3) | NAG (Nesterov 1983) | $v := \gamma v + \eta \nabla L(w - \gamma v);\quad w := w - v$ |
    | (02.4) | AdaGrad | $G := G + g\odot g;\quad w := w - \eta\, g \oslash (\sqrt{G} + \varepsilon)$ |
    | (02.5) | RMSProp | $G := \alpha G + (1-\alpha)\, g\odot g;\quad w := w - \eta\, g \oslash (\sqrt{G} + \varepsilon)$ |
    | (02.6) | AdaDelta | $G := \alpha G + (1-\alpha) g\odot g;\ \delta := g \odot (\sqrt{\Delta} + \varepsilon) \oslash (\sqrt{G} + \varepsilon);\ \Delta := \alpha\Delta + (1-\alpha)\delta\odot\delta;\ w := w - \eta\delta$ |
    | (02.7) | Adam | $v := \gamma v + (1-\gamma) g;\ G := \alpha G + (1-\alpha) g\odot g;\ \hat v := \frac{v}{1-\gamma^k};\ \hat G := \frac{G}{1-\alpha^k};\ w := w - \eta\, \hat v \oslash (\sqrt{\hat G} + \varepsilon)$ |
    | (02.8) | Nadam | Adam's $\hat v, \hat G$; $\ w := w - \eta \left(\gamma \hat v + \frac{1-\gamma}{1-\gamma^k} g\right) \oslash (\sqrt{\hat G} + \varepsilon)$ |
    | (02.9) | clipping | if $\lVert g\rVert > \theta$ then $g := g\,\theta / \lVert g\rVert$ |

    Momentum remembers a running sum of past steps ($\approx 1/(1-\gamma)$ of them); AdaGrad, RMSProp
    and Adam remember the size of past gradients and divide by it, so each coordinate gets its own
    step size. Adam's $\hat v, \hat G$ undo the bias of starting $v$ and $G$ at zero.
    """),
    md("This is the code that runs — the library's real source, not a copy. Momentum, eq. (02.2):"),
    code("show_source(optim.Momentum)"),
    md(r"""
    NAG needs the gradient at the *look-ahead* point $w - \gamma v$, eq. (02.3). The parameter keeps the
    lecture's $w$; `step(closure)` moves to $w - \gamma v$, calls the closure there, moves back, updates:
    """),
    code("show_source(optim.NAG.step, docstring=False)"),
    md("Adam, eq. (02.7); Nadam, eq. (02.8), reuses Adam's moments and changes only the numerator:"),
    code("show_source(optim.Adam)"),
    code("show_source(optim.Nadam._update)"),
    md(r"""
    Clipping, eq. (02.9), is done once over **all** parameters of the optimizer (one global norm),
    exactly as `torch.nn.utils.clip_grad_norm_`; the norm before and after is kept for plots:
    """),
    code("show_source(optim._Lecture._clip_scale, docstring=False)"),
    md(r"""
    ### Checked against torch

    Five of the eight are the same maths as `torch.optim` (no weight decay; torch's Momentum buffer is
    $v/\eta$; AdaGrad and RMSprop put $\varepsilon$ outside the root like the lecture). `optim.path`
    runs any optimizer for 200 steps on the same random float64 problem and returns the path of $w$:
    """),
    code("""
    twins = {
        "SGD": (optim.SGD, dict(lr=0.05), torch.optim.SGD, dict(lr=0.05)),
        "Momentum": (optim.Momentum, dict(lr=0.02, gamma=0.9), torch.optim.SGD, dict(lr=0.02, momentum=0.9)),
        "AdaGrad": (optim.AdaGrad, dict(lr=0.1, eps=1e-10), torch.optim.Adagrad, dict(lr=0.1, eps=1e-10)),
        "RMSProp": (optim.RMSProp, dict(lr=0.01, alpha=0.9), torch.optim.RMSprop, dict(lr=0.01, alpha=0.9, eps=1e-8)),
        "Adam": (optim.Adam, dict(lr=0.01), torch.optim.Adam, dict(lr=0.01, betas=(0.9, 0.999))),
    }
    for name, (ours, hp, theirs, thp) in twins.items():
        a, b = optim.path(lambda p: ours(p, **hp)), optim.path(lambda p: theirs(p, **thp))
        print(f"vglab.optim.{name} matches torch.optim over 200 steps: {torch.allclose(a, b, rtol=0, atol=1e-6)}")
    """, tags=CHECK),
    md(r"""
    `torch.optim.SGD(nesterov=True)` stores the look-ahead point $w - \gamma v$ instead of $w$: the same
    path, shifted by $\gamma v$. With $v_{k+1} = w_k - w_{k+1}$ from our path:
    """),
    code("""
    nag = optim.path(lambda p: optim.NAG(p, lr=0.02, gamma=0.9))
    nesterov = optim.path(lambda p: torch.optim.SGD(p, lr=0.02, momentum=0.9, nesterov=True))
    v = nag[:-1] - nag[1:]
    print("torch's nesterov path = our w - γv:", torch.allclose(nag[1:] - 0.9 * v, nesterov[1:], rtol=0, atol=1e-6))
    print("... but not our w itself:", torch.allclose(nag, nesterov, rtol=0, atol=1e-6))
    """, tags=CHECK),
    md(r"""
    ## 2 · Eight optimizers on four surfaces

    `vglab.surfaces` has four 2-D losses with closed-form gradients, each with a plot window, a start
    (○) and its minimum (★):

    * **quadratic** $\tfrac12(x^2 + 20y^2)$ — ill-conditioned: steep across, flat along;
    * **rosenbrock** $(1-x)^2 + 100(y - x^2)^2$ — a curved, flat-bottomed valley;
    * **saddle** $\tfrac12 x^2 - y^2 + \tfrac14 y^4$ — we start almost exactly on the saddle's ridge;
    * **cliff** $\tfrac12 c(x-3)^2 + \tfrac12 y^2 + H\sigma(s x)$ — a gentle slope that runs into a wall
      (Pascanu et al. 2013, Fig. 6).

    `surfaces.trajectory` runs the real `vglab.optim` class on the closed-form gradient. Each optimizer
    uses an η that works for it on that surface (`surface.hp`); AdaDelta uses ε = 1e-2, see §5.
    """),
    code("""
    runs = {name: [surfaces.trajectory(name, o, steps=s.steps) for o in optim.OPTIMIZERS]
            for name, s in surfaces.SURFACES.items()}
    print({name: len(r) for name, r in runs.items()})
    """),
    md("The ill-conditioned bowl: SGD zig-zags across the steep direction; Momentum and NAG overshoot and ring; the adaptive methods rescale each coordinate and head almost straight in."),
    _grid("quadratic"),
    md("Rosenbrock's curved valley: everyone reaches the valley floor quickly, then crawls along it."),
    _grid("rosenbrock"),
    md("The saddle: the gradient along $y$ starts at 0.02, so SGD first slides to the ridge's centre and only slowly rolls off; dividing by $\\sqrt{G}$ (AdaGrad, RMSProp, Adam) makes that tiny gradient a full-sized step."),
    _grid("saddle"),
    md("The cliff, with η small enough that no one is thrown off: the wall's gradient (up to ≈ 125) is felt only at its foot."),
    _grid("cliff"),
    md("### Loss against step\n\nThe same runs as $L - L^*$ on a log scale:"),
    code("""
    fig, axes = subplots(1, 4, width=3.4, height=2.8)
    for ax, (name, trajs) in zip(axes, runs.items()):
        oplots.plot_loss_curves(trajs, ax, min_value=surfaces.get(name).min_value)
        ax.set_title(name)
    """),
    md(r"""
    ## 3 · Try it: the slider panel

    Pick an optimizer (or all eight), a surface, a learning rate (log scale), γ, α, gradient noise
    (a stand-in for minibatch noise: $g + \sigma\,\mathcal N(0, I)$) and the number of steps. In "all"
    mode one η drives all eight — they do not want the same η, and seeing which ones diverge (✕) is
    part of the lesson. **tuned η** snaps η to a value that works for the chosen optimizer.

    Things to try: on *quadratic*, raise η for SGD until it diverges (at η = 2/20 = 0.1); give Momentum
    γ = 0.99; on *saddle*, add noise and watch SGD leave the ridge sooner.
    """),
    code("""
    panel = optimizer_panel("quadratic", "all")
    panel
    """, tags=IGNORE),
    md(r"""
    ## 4 · The cliff and clipping

    Pascanu, Mikolov & Bengio (2013) explain exploding gradients in recurrent nets with a picture: the
    loss surface has a steep **wall**. Gradient descent walks down a gentle slope, lands on the wall,
    and the gradient there is so large that one step throws the parameters far away — losing
    everything learned so far. Clipping (02.9) keeps the *direction* and caps the *length*.

    From the start (−3.5, 1.5), SGD with η = 0.1, 100 steps, without and with θ = 1:
    """),
    code("""
    cliff = surfaces.get("cliff")
    plain = surfaces.trajectory(cliff, "SGD", steps=100, lr=0.1)
    clipped = surfaces.trajectory(cliff, "SGD", steps=100, lr=0.1, clip_norm=1.0)
    fig, (ax1, ax2) = subplots(1, 2, width=4.6, height=3.6)
    oplots.plot_cliff(cliff, plain, clipped, 1.0, ax1)
    oplots.plot_clip_norms(clipped, 1.0, ax2, plain=plain);
    """),
    md("The claims, as numbers (the same test is in `tests/test_surfaces.py`):"),
    code("""
    (x0, x1), (y0, y1) = cliff.window
    thrown = lambda tr: bool((tr.path[:, 0] < x0).any() or (tr.path[:, 0] > x1).any())  # noqa: E731
    print(f"largest ‖g‖ on the wall: {plain.grad_norm.max():.0f}")
    print("plain SGD is thrown off the window:", thrown(plain), f"(to x = {plain.path[:, 0].min():.0f})")
    print("clipped SGD is thrown off:", thrown(clipped))
    print("clipped SGD ends within 0.05 of the minimum:", bool(((clipped.path[-1] - cliff.minimum) ** 2).sum() ** 0.5 < 0.05))
    """, tags=CHECK),
    md(r"""
    Now the threshold by hand. A clipped step is at most $\eta\theta$ long: drag θ up until the clipped
    run is thrown off too, and down until it no longer gets anywhere in 100 steps.
    """),
    code("""
    cpanel = cliff_panel()
    cpanel
    """, tags=IGNORE),
    md(r"""
    ## 5 · What the lecture gets wrong (and where torch differs)

    **1. Adam's and Nadam's last line uses ⊘, not ⊙.** The slide prints
    $w := w - \eta\,\hat v \odot (\sqrt{\hat G} + \varepsilon)$. Multiplying makes the step
    $\approx \eta\, g\,|g|$: its size now depends on the gradient's scale squared, which is exactly
    what Adam was built to remove. Kingma & Ba divide. `vglab.optim.Adam(as_printed=True)` keeps the
    slip for this demonstration only. Multiply the loss by 100:
    """),
    code("""
    for as_printed in (False, True):
        a = optim.path(lambda p: optim.Adam(p, lr=0.01, as_printed=as_printed), steps=50)
        b = optim.path(lambda p: optim.Adam(p, lr=0.01, as_printed=as_printed), steps=50, scale=100.0)
        first = float((b[1] - b[0]).norm() / (a[1] - a[0]).norm())
        print(f"as_printed={as_printed}: first step grows {first:.3g}x with the loss x 100; "
              f"same path: {torch.allclose(a, b, rtol=0, atol=1e-6)}; finite after 50 steps: {bool(torch.isfinite(b).all())}")
    """, tags=CHECK),
    md(r"""
    **2. AdaDelta: ε outside or inside the roots.** The lecture writes $(\sqrt{\Delta} + \varepsilon) \oslash (\sqrt G + \varepsilon)$;
    Zeiler (2012) and `torch.optim.Adadelta` write $\sqrt{\Delta + \varepsilon} \oslash \sqrt{G + \varepsilon}$.
    At the start $\Delta = 0$, so the numerator is $\varepsilon$ against $\sqrt\varepsilon$: with
    ε = 1e-8 the lecture's first steps are $\sqrt\varepsilon$ = 1e-4 times torch's, and since the
    step feeds $\Delta$, AdaDelta as printed stays stuck for a very long time. `vglab.optim.AdaDelta`
    follows the lecture and offers `eps_inside=True` (which equals torch exactly). That is why §2 used
    ε = 1e-2 on the surfaces.
    """),
    code("""
    lecture = optim.path(lambda p: optim.AdaDelta(p, lr=1.0, alpha=0.9, eps=1e-8), steps=3)
    zeiler = optim.path(lambda p: torch.optim.Adadelta(p, lr=1.0, rho=0.9, eps=1e-8), steps=3)
    inside = optim.path(lambda p: optim.AdaDelta(p, lr=1.0, alpha=0.9, eps=1e-8, eps_inside=True), steps=3)
    for k in (1, 2, 3):
        ratio = float((lecture[k] - lecture[k - 1]).norm() / (zeiler[k] - zeiler[k - 1]).norm())
        print(f"step {k}: lecture AdaDelta's step / torch's = {ratio:.0e}")
    print("eps_inside=True equals torch.optim.Adadelta:", torch.allclose(inside, zeiler, rtol=0, atol=1e-12))
    """, tags=CHECK),
    md(r"""
    **3. torch's NAdam is not the lecture's Nadam.** `torch.optim.NAdam` follows Dozat's paper with a
    momentum *schedule* $\mu_k = \gamma(1 - \tfrac12 0.96^{k\psi})$ (ψ = `momentum_decay` = 0.004), so even
    with the same γ, α, ε it takes different steps from eq. (02.8). **4. torch's `nesterov=True`** tracks
    $w - \gamma v$ instead of $w$ (checked in §1). Neither is wrong; they are different bookkeeping —
    so compare numbers only after checking which one a library implements.
    """),
    code("""
    ours = optim.path(lambda p: optim.Nadam(p, lr=0.01))
    theirs = optim.path(lambda p: torch.optim.NAdam(p, lr=0.01, betas=(0.9, 0.999)))
    print("torch.optim.NAdam equals the lecture's Nadam:", torch.allclose(ours, theirs, rtol=0, atol=1e-6))
    print(f"largest difference over 200 steps: {float((ours - theirs).abs().max()):.0e}")
    """),
    md(r"""
    ## 6 · A real network: an MLP on handwritten digits

    The surfaces are toys. Here is the same comparison on a real (small) problem: a 64-64-64-10 tanh MLP
    on scikit-learn's 8×8 digits, minibatches of 128, cross-entropy, the same initial weights for every
    optimizer, on the notebook's device. **Cost:** at learner size 300 steps × 8 optimizers take about
    10-20 s on 2 CPU cores (a few seconds on a GPU); quick mode runs 30 steps.
    """),
    code("""
    mlp_hp = dict(SGD=dict(lr=0.1), Momentum=dict(lr=0.01), NAG=dict(lr=0.01), AdaGrad=dict(lr=0.03),
                  RMSProp=dict(lr=0.002), AdaDelta=dict(lr=1.0, eps=1e-6), Adam=dict(lr=0.003), Nadam=dict(lr=0.003))
    mlp_steps, split = vg.by_mode(30, 300), data.digits(standardize=True)
    mlp = {name: optim.train_digits_mlp(name, steps=mlp_steps, device=dev, split=split, **hp)
           for name, hp in mlp_hp.items()}
    for name, (hist, acc) in mlp.items():
        print(f"{name:9s} final minibatch loss {sum(hist['loss'][-10:]) / 10:.3f}   test accuracy {acc:.3f}")
    """, tags=IGNORE),
    md("Training loss against step (log scale). AdaDelta with the lecture's ε barely moves — eq. (02.6) at work:"),
    code("""
    fig, ax = subplots(1, 1, width=6.0, height=3.4)
    oplots.plot_loss_curves({n: h["loss"] for n, (h, _) in mlp.items()}, ax, ylabel="cross-entropy (minibatch)");
    """, tags=IGNORE),
    md(r"""
    ## 7 · Exercises

    **Exercise 1 — one Momentum step by hand.** Complete `momentum_step` with eq. (02.2): return the
    new $w$ and the new $v$. The check compares three of your steps with `vglab.optim.Momentum`.
    """),
    code("""
    def momentum_step(w, v, g, lr, gamma):
        # your code here: eq. (02.2)
        return w, v

    exercises.check_momentum_step(momentum_step)
    """, tags=IGNORE),
    solution("""
    def momentum_step(w, v, g, lr, gamma):
        # eq. (02.2): first the velocity remembers the old one and adds the new gradient step,
        # then w moves by the NEW v
        v = gamma * v + lr * g
        return w - v, v

    ok = exercises.check_momentum_step(momentum_step)
    """),
    md(r"""
    **Exercise 2 — AdaDelta's first step.** With ε = 1e-8 and the same gradient, how many times smaller
    is the lecture's first AdaDelta step than `torch.optim.Adadelta`'s? Work it out from eq. (02.6)
    (hint: $\Delta = 0$ and $G = (1-\alpha) g^2$ after the first update), then check.
    """),
    code("""
    answer = None  # a number, e.g. 1e3
    exercises.check_adadelta_factor(answer)
    """, tags=IGNORE),
    solution("""
    import math
    # First step, eq. (02.6): Δ = 0 and G = (1 − α) g². Take g = 1, α = 0.9, ε = 1e-8.
    eps, alpha, g = 1e-8, 0.9, 1.0
    G = (1 - alpha) * g**2
    lecture_step = g * (math.sqrt(0.0) + eps) / (math.sqrt(G) + eps)  # ε outside the roots: numerator ε
    torch_step = g * math.sqrt(0.0 + eps) / math.sqrt(G + eps)         # ε inside the roots: numerator √ε
    answer = torch_step / lecture_step                                 # ≈ √ε / ε = 1/√ε = 1e4
    ok = exercises.check_adadelta_factor(answer)
    """),
    md(r"""
    **Exercise 3 — a threshold that saves the run.** Pick θ so that SGD with η = 0.1 on the cliff
    (100 steps from the start) never leaves the window and reaches the foot of the wall. Use the cliff
    panel above to find it; think about how long a clipped step can be.
    """),
    code("""
    theta = 100.0  # try your own
    exercises.check_clip_threshold(theta)
    """, tags=IGNORE),
    solution("""
    import math
    # A clipped SGD step is at most η θ long. Two constraints:
    #  * short compared to the window (5.5 wide), so the wall cannot throw SGD out: η θ ≲ 0.1;
    #  * 100 such steps must still cover the way from the start to the foot of the wall.
    cliff, eta = surfaces.get("cliff"), 0.1
    distance = math.dist(cliff.start, cliff.minimum)  # 3.7 from the start to the foot of the wall
    theta = 1.0  # η θ = 0.1: short, and 100 steps can cover 10 > the distance
    assert 100 * eta * theta > distance
    ok = exercises.check_clip_threshold(theta)
    """),
    md(r"""
    ## Summary

    * Momentum and NAG add inertia: fast along flat valleys, ringing across steep ones; NAG looks ahead
      and rings less. torch stores NAG's look-ahead point, not $w$.
    * AdaGrad, RMSProp, AdaDelta, Adam and Nadam divide by a running size of the gradient: steps of about
      η whatever the gradient's scale — so tiny gradients (saddles, vanishing) still move and huge ones
      are tamed. Adam's last line divides; the slide's ⊙ undoes the whole idea.
    * A cliff turns one huge gradient into one huge step. Clipping the global norm to θ keeps the
      direction and caps the step at ηθ; that is the lecture's remedy for exploding gradients.
    * AdaDelta as printed (ε outside the roots) starts ~1/√ε times slower than Zeiler's and torch's.

    ## Further reading

    * K. V. Vorontsov, *Глубокие нейронные сети* (Deep neural networks), lecture slides, Yandex SDA, 2017 — seed 002.
    * B. T. Polyak, Some methods of speeding up the convergence of iteration methods, 1964.
    * Y. Nesterov, A method for solving the convex programming problem with convergence rate O(1/k²), 1983.
    * J. Duchi, E. Hazan, Y. Singer, Adaptive subgradient methods for online learning and stochastic optimization, JMLR 2011.
    * T. Tieleman, G. Hinton, Lecture 6.5 — RMSProp, COURSERA: Neural Networks for Machine Learning, 2012.
    * M. D. Zeiler, ADADELTA: an adaptive learning rate method, arXiv:1212.5701, 2012.
    * D. P. Kingma, J. Ba, Adam: a method for stochastic optimization, ICLR 2015.
    * T. Dozat, Incorporating Nesterov momentum into Adam, ICLR workshop 2016.
    * R. Pascanu, T. Mikolov, Y. Bengio, On the difficulty of training recurrent neural networks, ICML 2013 (the cliff, Fig. 6; clipping).
    """),
]

if __name__ == "__main__":
    build("notebooks/02_sgd_variants.ipynb", cells)
