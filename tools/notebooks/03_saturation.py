"""Builder for notebooks/03_saturation.ipynb (run: .venv/bin/python -m tools.notebooks.03_saturation)."""
from tools.nb import build, code, md, setup, solution

CHECK, IGNORE = ["nbval-check-output"], ["nbval-ignore-output"]

cells = [
    md(r"""
    # 03 · Saturation: why gradients vanish in a deep feed-forward net, measured

    A sigmoid or tanh unit whose input is large sits on a flat part of its curve: its derivative is
    almost 0, and backpropagation multiplies by that derivative at every layer. The lecture calls it
    the network's "paralysis" (seed 002); Hochreiter's 1991 thesis first named it the vanishing
    gradient (seed 003). Here you will measure it, layer by layer, on a real dataset — and watch the
    fixes work: ReLU-family activations, scaled initialisation (Xavier, Kaiming) and residual paths.

    **Learning goals.** After this notebook you can
    1. state each activation's derivative, its maximum, and when a unit counts as *saturated* or *dead*;
    2. predict the per-layer decay rate of the gradient of a deep stack from the init and f′;
    3. read per-layer activation and gradient histograms (Glorot & Bengio 2010) and Karpathy's
       diagnostics: % saturated, % dead, update:data ratio;
    4. pick activation, init gain and residual connections so a 20-layer net learns the digits;
    5. run the same checks on **your own** PyTorch model with `saturation_report`.
    """),
    md("Setup: import the lab, seed once, say which device the training runs on."),
    setup("""
    import torch
    import vglab as vg
    from vglab import saturation as sat, deep_mlp as dm, exercises as ex
    from vglab.data import digits
    from vglab.plots import saturation as psat
    from vglab.plots.style import subplots
    from vglab.show import show_source
    from vglab.widgets.saturation import saturation_panel
    """),
    md(r"""
    ## 1 · Theory: one factor per layer

    A deep MLP computes, layer by layer (row vectors, as everywhere in the lab),
    $a_l = z_{l-1} W_l + b_l$, $z_l = f(a_l)$. Backpropagation (SPEC §B) gives the gradient with
    respect to the pre-activations, $\delta_l = \partial L/\partial a_l$:

    $$\delta_{l-1} = \big(\delta_l\, W_l^{\top}\big) \odot f'(a_{l-1}). \tag{sat-delta}$$

    Every layer multiplies by $W^\top$ and by $f'$. If $W$ has entries of standard deviation
    $g/\sqrt{n}$ (width $n$, *gain* $g$), its typical singular value is about $g$, and the gradient
    norm changes per layer by roughly

    $$c \;\approx\; g \,\sqrt{\mathbb E[f'(a)^2]}, \qquad \|\delta_1\| \approx c^{\,L-1}\,\|\delta_L\|. \tag{sat-rate}$$

    The derivatives (closed form, seed 002 for ReLU and PReLU):
    $\sigma' = \sigma(1-\sigma) \le 1/4$; $\tanh' = 1-\tanh^2 \le 1$; ReLU$' = [a>0]$;
    PReLU$' = 1$ or $\alpha$; ELU$' = 1$ or $\alpha e^{a}$. A sigmoid layer therefore divides the
    gradient by at least 4 unless its weights are large — and large weights push $|a|$ into the flat
    tails. ReLU "saturates on one side only" (seed 003).

    **Saturated** (one rule for all, eq. sat-def): $f'(a) < 5\,\%$ of $\max f'$ — the unit passes back
    less than 1/20 of its best. Sigmoid: $|a| > 4.36$; tanh: $|a| > 2.18$, i.e. $|\tanh a| > 0.975$
    (Karpathy's "$|h| > 0.97$"); ELU: $a < \ln 0.05 \approx -3$; ReLU: $a \le 0$.
    **Dead** (eq. sat-dead): saturated on *every* example of the batch — for ReLU, $a \le 0$ for all
    inputs: no gradient reaches its weights, so it never recovers.

    This is the library's code for the derivatives (the tests compare it with autograd in float64):
    """),
    code("show_source(sat.derivative)"),
    md("The activations and their derivatives; dotted lines mark 5 % of the maximum, the saturation threshold."),
    code("""
    fig, axes = subplots(1, 2, width=5.0, height=3.4)
    psat.plot_activations(ax=axes[0])
    psat.plot_derivatives(ax=axes[1]);
    """),
    md("Three claims the rest of the notebook leans on, checked numerically:"),
    code("""
    a = torch.arange(-10000, 10001, dtype=torch.float64) / 1000
    d_sig = sat.derivative("sigmoid", a)
    print(f"σ′ is largest at a = {float(a[d_sig.argmax()]):.1f}: {float(d_sig.max()):.2f}")
    print("tanh′(±20) < 1e-8:", bool((sat.derivative("tanh", torch.tensor([-20.0, 20.0], dtype=torch.float64)) < 1e-8).all()))
    """, tags=CHECK),
    code("""
    g = torch.Generator().manual_seed(0)
    x_test = (torch.randn(1000, generator=g, dtype=torch.float64) * 4).requires_grad_()
    same = []
    for name in sat.ACTIVATIONS:
        (auto,) = torch.autograd.grad(sat.activation(name, x_test).sum(), x_test)
        same.append(torch.allclose(sat.derivative(name, x_test.detach()), auto, rtol=1e-12, atol=1e-15))
    print("closed-form derivatives match autograd (float64) for", ", ".join(sat.ACTIVATIONS) + ":", all(same))
    """, tags=CHECK),
    code("""
    for name in ("sigmoid", "tanh", "elu", "relu"):
        sat_a = a[sat.saturated(name, a)]
        edge = sat_a[sat_a <= 0].max()  # the saturated point closest to 0 from below
        print(f"{name:8s} saturated for a <= {float(edge):.2f}" + ("  (and for a >= " + f"{float(-edge):.2f})" if name in ("sigmoid", "tanh") else ""))
    """, tags=CHECK),
    md(r"""
    ## 2 · A 20-layer net at initialisation

    `deep_mlp.build_mlp` stacks `depth` blocks `z ↦ f(z W + b)` (or `z + f(z W + b)/√depth` with
    `residual=True`) on the 8×8 digits. The inits: `"default"` is PyTorch's own
    $U(\pm 1/\sqrt{n})$, standard deviation $1/\sqrt{3n}$ — a gain of $1/\sqrt3 \approx 0.58$;
    `"xavier"` (Glorot & Bengio 2010) and `"normal"` give gain 1 on square layers; `"kaiming"`
    (He et al. 2015) gain $\sqrt2$, which compensates ReLU zeroing half its inputs.
    """),
    code("show_source(dm.Block)"),
    md(r"""
    `saturation.probe` hooks every activation module of a model, runs one forward and backward pass
    of the cross-entropy, and returns per layer: mean and std of the activations, % saturated,
    % dead, $\|\partial L/\partial a_l\|$, $\|\partial L/\partial W_l\|$ and the update:data ratio.
    We probe six 20-layer nets, width 64, on the same 256 digits (on the CPU: the numbers below do not
    depend on the device).
    """),
    code("""
    data = digits(standardize=True)
    xb, yb = data.x_train[:256], data.y_train[:256]
    configs = {
        "sigmoid": dict(activation="sigmoid"),
        "tanh": dict(activation="tanh"),
        "relu": dict(activation="relu"),
        "sigmoid residual": dict(activation="sigmoid", residual=True),
        "tanh xavier": dict(activation="tanh", init="xavier"),
        "relu kaiming": dict(activation="relu", init="kaiming"),
    }
    profiles = {k: dm.gradient_profile(xb, yb, depth=20, width=64, keep=True, **c) for k, c in configs.items()}
    """),
    code("""
    fig, axes = subplots(1, 3, width=4.3, height=3.4)
    psat.plot_gradient_profile(profiles, ax=axes[0])
    psat.plot_forward_std(profiles, ax=axes[1])
    psat.plot_saturation_profile(profiles, ax=axes[2]);
    """),
    md(r"""
    With the default init the three plain stacks lose the gradient geometrically — straight lines on
    the log scale — while the ReLU + Kaiming, tanh + Xavier and residual nets stay within a factor of a
    few. Eq. (sat-rate) predicts the slopes: with gain $1/\sqrt3$, a sigmoid layer (f′ ≈ 1/4 around
    its operating point) multiplies by $0.25/\sqrt3 \approx 0.14$, i.e. $-0.84$ decades per layer; tanh
    (f′ ≈ 1 near 0) by $0.58$, $-0.24$ decades; ReLU by $0.58/\sqrt2 = 0.41$, $-0.39$ decades.
    `deep_mlp.log_slope` fits the measured lines:
    """),
    code("""
    for k in ("sigmoid", "tanh", "relu"):
        slope, r2 = dm.log_slope(profiles[k].grad_a)
        print(f"{k:8s} default init: {slope:+.2f} decades per layer (straight line: R² > 0.99: {r2 > 0.99})")
    p = profiles["sigmoid"]
    print(f"gradient norm ratio layer 1 / layer 20, sigmoid, default init: ~1e{round(float(torch.log10(p.grad_a[0] / p.grad_a[-1])))}")
    """, tags=CHECK),
    code("""
    for k in ("sigmoid residual", "tanh xavier", "relu kaiming"):
        r = float(profiles[k].grad_a[0] / profiles[k].grad_a[-1])
        print(f"{k:16s}: layer 1 / layer 20 within 10x: {0.1 < r < 10}")
    """, tags=CHECK),
    md(r"""
    ### Histograms, in the spirit of Glorot & Bengio (2010, fig. 3) and Karpathy's diagnostics

    Left: each layer's activations (light = first layer, dark = layer 20). With the default init the
    tanh activations shrink towards 0 layer after layer (the forward signal vanishes too); with Xavier
    they keep their spread. Right: log10 |∂L/∂a| per layer — vanishing shows as curves sliding left, by
    about a quarter of a decade per layer for the default init.
    """),
    code("""
    fig, axes = subplots(2, 2, width=4.6, height=3.0)
    psat.plot_activation_histograms(profiles["tanh"], ax=axes[0], every=3)
    psat.plot_gradient_histograms(profiles["tanh"], ax=axes[1], every=3)
    psat.plot_activation_histograms(profiles["tanh xavier"], ax=axes[2], every=3)
    psat.plot_gradient_histograms(profiles["tanh xavier"], ax=axes[3], every=3)
    axes[0].set_title("tanh, default init: activations")
    axes[2].set_title("tanh, Xavier init: activations");
    """),
    md(r"""
    ## 3 · The panel: depth, activation, init, gain, residual

    One forward and backward pass of a fresh net on 32 digits per move. Things to try:
    * sigmoid, default init: drag depth from 5 to 50 and watch layer 1's gradient fall off the plot;
    * tanh, init `normal`: slide the gain through 1 — below it vanishes, above it explodes
      (press **snap gain to critical**);
    * ReLU, init `normal`: the critical gain is $\sqrt2$ (that is Kaiming);
    * any activation: tick **residual** — the identity path keeps every layer's gradient alive;
    * sigmoid at large gain: % saturated climbs; no gain makes a deep sigmoid stack flat, because its
      mean output 1/2 shifts every pre-activation (Glorot & Bengio's observation).
    """),
    code("panel = saturation_panel(depth=30, activation=\"sigmoid\")\npanel", tags=IGNORE),
    md(r"""
    ## 4 · Which of them learn? Training on the digits

    Six 20-layer nets, width 64, SGD with momentum 0.9, learning rate 0.01, batch 64, on the 1 347
    training digits; every 25 steps `train_digits` records every layer's gradient norm, % saturated and
    the measured update:data ratio $\|\Delta W\|/\|W\|$.

    **Cost:** about 60 s on 2 CPU cores at learner size (600 steps each), a few seconds in quick mode,
    about 15 s on a GPU (these small nets are launch-bound there).
    """),
    code("""
    steps = vg.by_mode(60, 600)
    histories = {}
    for k, c in configs.items():
        model = dm.build_mlp(20, 64, **c)
        histories[k] = dm.train_digits(model, data, steps=steps, lr=0.01, probe_every=vg.by_mode(20, 25),
                                       device=dev, desc=k)
    """, tags=IGNORE),
    code("""
    fig, axes = subplots(1, 2, width=5.0, height=3.4)
    psat.plot_training_curves(histories, ax=axes[0], metric="test_acc")
    psat.plot_training_curves(histories, ax=axes[1], metric="loss");
    """),
    code("""
    for k, h in histories.items():
        print(f"{k:16s} test accuracy {h['test_acc'][-1]:.2f}   final loss {h['loss'][-1]:.3f}")
    """, tags=IGNORE),
    md(r"""
    At learner size the plain sigmoid, tanh and ReLU nets with PyTorch's default init stay at chance
    (10 %): their first layers get gradients 10⁻⁵ to 10⁻¹⁶ times those of the last, so only the top
    layer moves, on features that are noise by then. Xavier-initialised tanh, Kaiming-initialised ReLU
    and the residual sigmoid net all learn (above 85 % test accuracy) — the same nets whose
    profiles were flat at initialisation. In quick mode the runs are too short to separate them.

    Below: every layer's gradient norm during training (light = layer 1) and Karpathy's update:data
    plot for two of the nets. Healthy training sits near log10 = −3 for every layer. The sigmoid net's
    first layers sit at the floor (−16): their updates are below float32's resolution, so their
    weights do not change at all.
    """),
    code("""
    fig, axes = subplots(2, 2, width=4.6, height=3.0)
    psat.plot_gradient_norm_over_training(histories["sigmoid"], ax=axes[0], label="sigmoid")
    psat.plot_gradient_norm_over_training(histories["relu kaiming"], ax=axes[1], label="relu kaiming")
    psat.plot_update_ratio(histories["sigmoid"], ax=axes[2], label="sigmoid")
    psat.plot_update_ratio(histories["relu kaiming"], ax=axes[3], label="relu kaiming");
    """),
    md(r"""
    ## 5 · Rules of thumb, with numbers — and a check for your own model

    | activation | max f′ | saturated when (f′ < 5 % of max) | critical gain, W ~ N(0, g²/n) | watch |
    |---|---|---|---|---|
    | sigmoid | 1/4 at 0 | \|a\| > 4.36 (σ ∉ [0.013, 0.987]) | 4 in theory; none in practice (mean 1/2) | % saturated ≤ 5 %, never in a deep stack without a fix |
    | tanh | 1 at 0 | \|a\| > 2.18 (\|tanh\| > 0.975) | 1 (Xavier/LeCun); 5/3 only for a few layers | % saturated ≤ 5 %, std(z) not shrinking |
    | ReLU | 1 for a > 0 | a ≤ 0 (half the units, normally) | √2 (Kaiming) | % dead ≤ 5 %, worry > 20 % |
    | leaky ReLU (0.01) | 1 | a ≤ 0 counts (passes 1 %) | ≈ √2 | never truly dead |
    | PReLU (0.25) | 1 | never | √(2/(1+α²)) = 1.37 | α is learned |
    | ELU (α = 1) | 1 | a < −3 | 1 in theory, ≈ 1.16 measured | % saturated ≤ 5 % |

    For every model: **update:data** ≈ 1e-3 per step (worry below 1e-4 or above 1e-2, Karpathy's
    CS231n rule); gradient norm of the first layer within 10× of the last (worry beyond 100×).
    `saturation.RULES_OF_THUMB` holds these numbers and `saturation_report(model, x, y, lr=...)`
    applies them to any `nn.Module` built from `nn.Linear` and torch's activation modules:
    """),
    code("""
    from torch import nn
    torch.manual_seed(0)
    my_model = nn.Sequential(nn.Linear(64, 128), nn.Tanh(), nn.Linear(128, 128), nn.Tanh(),
                             nn.Linear(128, 128), nn.Tanh(), nn.Linear(128, 10))
    with torch.no_grad():
        my_model[2].weight.mul_(8.0)   # a badly scaled layer
    sat.saturation_report(my_model, xb, yb, lr=0.5)
    """, tags=IGNORE),
    md(r"""
    ## Try it

    **1.** At what pre-activation $a$ is $\sigma'(a)$ largest, and what is its value there?
    """),
    code("ex.check_sigmoid_peak(a=..., value=...)", tags=IGNORE),
    solution("""
    # σ′(a) = σ(a)(1 − σ(a)) = p(1 − p) is largest at p = 1/2, i.e. at a = 0. Confirm on a fine grid:
    grid = torch.linspace(-10, 10, 2001, dtype=torch.float64)
    d = sat.derivative("sigmoid", grid)
    i = int(d.argmax())  # max σ′ = 0.25 at a = 0
    ok = ex.check_sigmoid_peak(a=float(grid[i]), value=float(d[i]))
    """),
    md("**2.** Write $\\sigma'(a)$ yourself (elementwise, any tensor shape)."),
    code("""
    def my_sigmoid_derivative(a):
        ...  # your code: return σ′(a)

    ex.check_sigmoid_derivative(my_sigmoid_derivative)
    """, tags=IGNORE),
    solution("""
    def my_sigmoid_derivative(a):
        # dσ/da = e^{−a} / (1 + e^{−a})² = σ(a)(1 − σ(a)); torch.sigmoid is stable for large |a|
        s = torch.sigmoid(a)
        return s * (1 - s)

    ok = ex.check_sigmoid_derivative(my_sigmoid_derivative)
    """),
    md("**3.** With init `normal`, which gain keeps a 30-layer tanh stack's gradient profile flat (layer 1 / layer 30 within 5×)? Use the panel."),
    code("ex.check_flat_tanh_gain(...)", tags=IGNORE),
    solution("""
    # Near a = 0 tanh′ ≈ 1, so each layer scales the gradient by about the gain g: g = 1 is critical.
    # Measured layer 1 / layer 30 ratio on the checker's 64 digits: gain 0.5 -> 3e-9 (vanishing),
    # gain 1 -> 0.3 (flat within 5×), gain 5/3 -> 14 (exploding). Run dm.gradient_profile to see it.
    gain = 1.0
    ok = ex.check_flat_tanh_gain(gain)
    """),
    md("**4.** One layer of `ex.dead_relu_net()` is mostly dead. Which one? Use `sat.saturation_report`."),
    code("""
    print(sat.saturation_report(ex.dead_relu_net(), xb))   # read the %dead column
    ex.check_dead_layer(...)
    """, tags=IGNORE),
    solution("""
    # The report's probe holds % dead per layer (a unit is dead when a <= 0 on every example);
    # pick the layer with the most, counting from 1 at the input.
    report = sat.saturation_report(ex.dead_relu_net(), xb)
    pct_dead = report.probe.pct_dead  # (6,): about 88 % in one layer, under 10 % elsewhere
    ok = ex.check_dead_layer(int(pct_dead.argmax()) + 1)
    """),
    md("**5.** Choose an SGD learning rate so that update:data ≈ 1e-3 in every layer of `dm.build_mlp(10, 64, \"relu\", init=\"kaiming\")` on `xb[:64], yb[:64]` (hint: `sat.probe(..., lr=...)`)."),
    code("ex.check_update_ratio_lr(...)", tags=IGNORE),
    solution("""
    # update:data = lr · ‖∂L/∂W‖ / ‖W‖ is proportional to lr: probe once with lr = 1, then scale lr so
    # that the typical (geometric-mean) ratio becomes 1e-3, and round it to a plain number.
    p1 = sat.probe(dm.build_mlp(10, 64, "relu", init="kaiming"), xb[:64], yb[:64], lr=1.0)
    lr = 1e-3 / float(p1.update_ratio.log().mean().exp())
    lr = float(f"{lr:.1g}")  # about 0.01
    ok = ex.check_update_ratio_lr(lr)
    """),
    md(r"""
    ## Summary

    * Backprop multiplies by $W^\top$ and $f'$ at every layer (sat-delta); the gradient norm of a deep
      stack changes geometrically, by about $g\sqrt{\mathbb E f'^2}$ per layer (sat-rate).
    * σ′ ≤ 1/4: a sigmoid stack with PyTorch's default init loses ~0.84 decades per layer — 10⁻¹⁶ over
      20 layers. tanh loses less but still vanishes; ReLU with the default init too.
    * Fixes that work, measured: the right gain (Xavier for tanh, Kaiming for ReLU), and residual paths,
      whose identity Jacobian keeps the gradient from vanishing even for sigmoid.
    * Diagnose any model with `saturation_report`: % saturated ≤ 5 %, % dead ≤ 5 %, update:data ≈ 1e-3,
      first/last gradient within 10×.

    ## Further reading

    * Seed 003 (the wiki article on the vanishing gradient problem): ReLU "saturates in one direction
      only", residual networks, LSTM, pre-training, Rprop.
    * Seed 002 (Vorontsov's lecture "Deep neural networks", 2017): σ and tanh can "paralyse" the
      network; ReLU and PReLU.
    * Seed 000 (the Romanian patent RO 2020 00207): keeping squashing units out of saturation with a
      Beta-distribution penalty — notebook 06.
    * S. Hochreiter (1991), *Untersuchungen zu dynamischen neuronalen Netzen*, diploma thesis, TU München.
    * X. Glorot, Y. Bengio (2010), *Understanding the difficulty of training deep feedforward neural
      networks*, AISTATS (per-layer histograms; Xavier init, eq. 16).
    * K. He, X. Zhang, S. Ren, J. Sun (2015), *Delving deep into rectifiers*, ICCV (PReLU; Kaiming init).
    * K. He, X. Zhang, S. Ren, J. Sun (2016), *Deep residual learning for image recognition*, CVPR.
    * A. Karpathy, CS231n notes "Neural Networks Part 3" and *makemore* part 3 (update:data ≈ 1e-3,
      saturated tanh units).
    """),
]

if __name__ == "__main__":
    build("notebooks/03_saturation.ipynb", cells)
