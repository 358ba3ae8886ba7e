"""Builder for notebooks/05_init_sigma.ipynb (run: .venv/bin/python -m tools.notebooks.05_init_sigma)."""
from tools.nb import build, code, md, setup, solution

CHECK, IGNORE = ["nbval-check-output"], ["nbval-ignore-output"]

cells = [
    md(r"""
    # 05 · How violently gradients depend on the initial weights (the paper's Fig. 2)

    Chernodub & Nowicki's paper (seed 001, §8) initialises a 100-unit simple recurrent network three
    ways and follows the gradient 100 steps back in time. With "σ = 0.01" the gradient flows; halve
    it and the gradient shrinks by more than 25 orders of magnitude; double it and it explodes. One
    factor of two, two catastrophes. But the paper calls σ a *standard deviation* in the text and a
    *variance* (дисперсія) under the figure — and the two readings give very different networks.

    **Learning goals.** After this notebook you can
    1. compute the Q-factor (paper eq. 25) of a network at initialisation and say whether its
       gradients vanish or explode;
    2. predict the spectral radius of a random recurrent matrix from its variance (the circular law)
       and use it to pick an init scale for any $K$;
    3. explain why the paper's "σ" must be the variance, and where our numbers differ from the paper's;
    4. say why these measurements need float64;
    5. read a training run the way the paper's Fig. 3 does: ‖δ‖ at several lags, Q and saturation over time.
    """),
    setup("""
    import torch
    import vglab as vg
    from vglab import bptt, exercises, init_scale
    from vglab.plots import init_sigma as plots
    from vglab.plots.style import subplots
    from vglab.show import show_source
    """),
    md(r"""
    ## 1 · Motivation: one number decides whether an RNN can learn long dependencies

    Backpropagation through time multiplies the local gradient by one Jacobian per step back
    (notebook 04):

    $$\delta(k-h) = \delta(k)\, J(k)\, J(k-1) \cdots J(k-h+1), \qquad J(n) = W_\text{rec}^\top \operatorname{diag} f'(a(n-1)). \tag{10}$$

    At initialisation $f' \approx 1$ (small weights keep tanh near its linear part), so the product
    behaves like $(W_\text{rec}^\top)^h$ — and powers of a matrix grow or shrink like its
    **spectral radius** $\rho$ (largest $|\lambda|$) to the power $h$. With $h = 100$, $\rho = 0.7$
    gives $0.7^{100} \approx 10^{-15.5}$; $\rho = 1.4$ gives $10^{+14.6}$. The paper measures the
    result with its Q-factor:

    $$Q(\delta, h) = \log_{10}\|\delta(k)\| - \log_{10}\|\delta(k-h)\| \tag{25}$$

    (norms averaged over the minibatch). $Q \approx 0$: the gradient flows; $Q \gg 0$: it vanishes;
    $Q \ll 0$: it explodes; the paper's "safe zone" is $Q \in [-1, 1]$.
    """),
    md("This is the library's Q-factor, the function every number below goes through:"),
    code("show_source(bptt.q_factor, docstring=False)"),
    md(r"""
    ## 2 · Theory: the circular law, and why σ must be the variance

    Draw a $K \times K$ matrix with independent $\mathcal N(0, s^2)$ entries. For large $K$ its
    eigenvalues fill the disc of radius

    $$\rho \approx s\sqrt K \qquad \text{(Girko's circular law)} \tag{05.1}$$

    uniformly. So with $K = 100$: variance $\sigma^2 = 0.01$ means $s = 0.1$ and $\rho \approx 1$ —
    exactly the edge between vanishing and exploding. Read the paper's σ = 0.01 as a *standard
    deviation* instead and $\rho \approx 0.1$: the gradient would shrink by ~$0.1^{100}$, a Q near 100.

    Our SRN draws every weight matrix exactly like this (`vglab.srn.SRN`, `sigma2` is the variance);
    `init_scale.recurrent_weights` returns the same $W_\text{rec}$ the network gets:
    """),
    code("show_source(init_scale.recurrent_weights, docstring=False)"),
    md(r"""
    **Check the circular law.** For every reading of the paper's three settings, the mean spectral
    radius of 20 freshly drawn $100 \times 100$ matrices next to $s\sqrt K$ (finite $K$ puts $\rho$ a few
    per cent above the asymptotic radius):
    """),
    code("""
    lines = []
    for s in init_scale.FIG2_SETTINGS + init_scale.STD_SETTINGS:
        rho = init_scale.spectral_radii(s.sigma2, 100, n_matrices=20, seed=0)
        lines.append(f"{s.label:15s} std = {s.std:.3f}   std·√K = {init_scale.circle_radius(s.sigma2):.2f}"
                     f"   mean ρ = {float(rho.mean()):.2f}")
    print("\\n".join(lines))
    """, tags=CHECK),
    md(r"""
    The eigenvalues in the complex plane, with the circle of radius $s\sqrt K$ (orange) and the unit
    circle (dotted), for the paper's three variances:
    """),
    code("""
    fig, axes = subplots(1, 3, width=3.4, height=3.4)
    for ax, s in zip(axes, init_scale.FIG2_SETTINGS[:3]):
        plots.plot_eigenvalues(init_scale.eigenvalues(s.sigma2, 100, seed=0), s.sigma2, 100, ax=ax)
        ax.set_title(s.label, fontsize=10)
    """),
    md(r"""
    ### The slider: move σ and watch the eigenvalues and the gradient

    The panel draws the eigenvalues of one $W_\text{rec}$ with the circle $s\sqrt K$, and on the right
    the mean $\|\delta(k-j)\|$ of that network on 10 temporal-order sequences (float64, computed
    live). "read σ as" switches between the two readings of the paper: the same slider value is used
    as the variance or as the standard deviation. The seed is fixed, so the slider only rescales
    one matrix. The snap button puts $s\sqrt K$ at exactly 1 (σ² = 1/K). Try σ = 0.005, 0.01, 0.02
    in both readings.
    """),
    code("""
    from vglab.widgets.init_sigma import init_sigma_panel
    init_sigma_panel(value=0.01, reading="variance")
    """, tags=IGNORE),
    md(r"""
    ## 3 · Fig. 2 reproduced: ‖δ(k−j)‖ for 100 steps back

    The experiment, as a function: $M$ networks held by one `SRN(n_networks=M)`, $B$ temporal-order
    sequences of length $T = h + 1 = 101$ (so that $\delta(k-100)$ exists; the paper does not say
    how it handled $T = h = 100$), δ by eq. (6) (`bptt.manual_local_gradients`, checked against
    autograd in the tests), $\partial E/\partial W_\text{rec}(n) = z(n-1)^\top\delta(n)$ (eq. 4), Q by eq. (25):
    """),
    code("show_source(init_scale.gradient_profile, docstring=False)"),
    md(r"""
    **Why float64.** With σ read as a standard deviation the gradient 100 steps back is about
    $10^{-100}$ of its last value — far below float32's smallest number ($1.4\times10^{-45}$). In float32
    the norm underflows to exactly 0 and Q would be infinite; float64 reaches $10^{-308}$:
    """),
    code("""
    r = init_scale.underflow_check(init_scale.std(0.01), n_sequences=10)
    print(f"std 0.01: ‖δ(k−100)‖ float32 = {r['float32']:.1e}, float64 = {r['float64']:.0e}")
    print("float32 underflows to exactly 0:", r["float32"] == 0.0, "| float64 keeps it:", r["float64"] > 0)
    """, tags=CHECK),
    md(r"""
    Now the figure itself, for the paper's three settings read as variances and the two standard
    deviations that match its extremes. Solid: the mean ‖δ(k−j)‖; dashed: ‖∂E/∂W_rec(k−j)‖; bands:
    the 10-90 % range over networks. Cost: at learner size (10 networks × 100 sequences) about
    10-20 s on two CPU cores, about a second on a GPU; quick mode uses 3 × 10.
    """),
    code("""
    n_nets, n_seq = vg.by_mode(quick=(3, 10), learner=(10, 100))
    profiles = [init_scale.gradient_profile(s, n_networks=n_nets, n_sequences=n_seq, device=dev)
                for s in init_scale.FIG2_SETTINGS]
    print(f"{n_nets} networks × {n_seq} sequences each, float64, T = 101")
    """, tags=IGNORE),
    code("""
    fig, axes = subplots(1, 2, width=5.6, height=4.0)
    plots.plot_gradient_profiles(profiles, ax=axes[0], which="delta")
    plots.plot_gradient_profiles(profiles, ax=axes[1], which="weight", band=False)
    axes[0].set_title("local gradients δ (Fig. 2, solid)", fontsize=10)
    axes[1].set_title("recurrent weight gradients (Fig. 2, dashed)", fontsize=10);
    """),
    md(r"""
    The weight gradients follow the local gradients step for step (eq. 4: each is $z(n-1)^\top\delta(n)$,
    and $z$ stays of order one) — which is the paper's point: to control $\partial E/\partial W$ it is
    enough to control $\|\delta\|$. The weight gradient at $j = 100$ is 0 because $z(0) = 0$.

    ### Our Q-factors beside the paper's

    The teaching numbers, computed at a fixed size that quick mode does not change (6 networks ×
    30 sequences, float64, on the CPU; a few seconds):
    """),
    code("""
    rows = init_scale.q_table(init_scale.FIG2_SETTINGS, n_networks=6, n_sequences=30)
    print(init_scale.format_q_table(rows))
    """, tags=CHECK),
    code("""
    std_rows = init_scale.q_table(init_scale.STD_SETTINGS, n_networks=6, n_sequences=30)
    q = {r["setting"]: r["q_mean"] for r in rows + std_rows}
    print("σ read as std (0.005 / 0.01 / 0.02): Q =", " / ".join(f"{q[s.label]:.0f}" for s in init_scale.STD_SETTINGS))
    print("  all three vanish (Q > 25), the 'healthy' one too:", all(q[s.label] > 25 for s in init_scale.STD_SETTINGS))
    print("variance 0.01 is the healthiest of the three variances:", abs(q["variance 0.01"]) < min(abs(q["variance 0.005"]), abs(q["variance 0.02"])))
    print("order vanishing > healthy > exploding:", q["variance 0.005"] > q["variance 0.01"] > q["variance 0.02"])
    print("paper's extremes (Q > 25, Q < −6) met by variance 0.005 / 0.02:", q["variance 0.005"] > 25, q["variance 0.02"] < -6)
    print("                                       by std 0.05 / 0.2:      ", q["std 0.05"] > 25, q["std 0.2"] < -6)
    """, tags=CHECK),
    code("""
    ax = plots.plot_q_comparison(rows)
    ax.set_title("our Q (mean ± sd over 6 networks) and the paper's bounds", fontsize=10);
    """),
    md(r"""
    ### The gap, explained

    | setting | std | std·√K | Q ours, 20 networks × 500 sequences | paper |
    |---|---|---|---|---|
    | variance 0.005 | 0.071 | 0.71 | 14.0 ± 1.5 | > 25 |
    | variance 0.01 | 0.1 | 1.0 | 2.2 ± 1.3 (single networks −0.4 … 5.0) | ≈ 0.7 |
    | variance 0.02 | 0.141 | 1.41 | −1.4 ± 0.7 | < −6 |
    | std 0.005 / 0.01 / 0.02 | — | 0.05-0.2 | 129 / 98 / 68: everything vanishes | — |
    | std 0.05 | 0.05 | 0.5 | 28.7 | > 25 |
    | std 0.2 | 0.2 | 2.0 | −6.4 | < −6 |

    (That larger table is the lab's own check while it was being built, SPEC §E; the 6 × 30 table
    printed above and the learner-size figure give the same picture within the scatter over networks.)

    * **σ as a standard deviation is ruled out.** With std 0.01 the spectral radius is 0.1 and
      Q ≈ 98: the paper's "smooth flow" with Q ≈ 0.7 is impossible.
    * **σ² = 0.01 as the variance reproduces the healthy case**: std 0.1, ρ ≈ std·√K = 1, Q near
      the safe zone. A single network's Q scatters by about ±1 around our mean of 1-2, and the
      paper's 0.7 lies inside that scatter (it reports one number, probably for one network).
    * **The extremes match only if the *standard deviation* was halved and doubled** (0.05 and
      0.2: Q ≈ 28-29 > 25 and Q ≈ −6.5 < −6), not the variance (0.005 and 0.02 give only ≈ 14 and
      ≈ −1.5).
      Halving the variance shrinks ρ by √2, not by 2 — so ρ^100 changes by 10^15, not 10^30.

    So the lab keeps `sigma2` as the variance (default 0.01) and shows both readings. The general
    rule behind all of it: choose the variance **1/K**, i.e. std·√K = 1 — for $K = 100$ that happens
    to be 0.01.

    ## 4 · Fig. 3: good initialisation is no guarantee

    The paper's Fig. 3 trains one well-initialised network (variance 0.01) with plain momentum SGD
    and reports that within ~500 iterations ‖δ‖ falls below $10^{-7}$ and stays at $10^{-7}$…$10^{-8}$
    while the activations sit in saturation. We run the paper's settings (SPEC §F): temporal order
    with $T = 100$, learning rate $10^{-5}$, momentum 0.9 (`vglab.optim.Momentum`), minibatches of 10
    with the loss **summed** over the minibatch, 20 000 fixed training sequences; every 30
    iterations a float64 copy of the networks is probed on 50 fixed sequences for ‖δ(k−j)‖ at
    several lags, Q (h = 99) and the fraction of saturated units ($|z| > 0.95$, where $f' < 0.1$):
    """),
    code("show_source(init_scale.train_plain, docstring=False)"),
    md(r"""
    Cost: at learner size (3 networks, 600 iterations) under a minute on two CPU cores, a few
    seconds on a GPU; quick mode runs 2 networks for 30 iterations. A NaN or Inf loss stops the run
    with a `DivergenceError` naming the step.
    """),
    code("""
    n_nets, n_steps, every = vg.by_mode(quick=(2, 30, 10), learner=(3, 600, 30))
    lags = (0, 25, 50, 75, 99)
    hist = init_scale.train_plain(T=100, n_steps=n_steps, n_networks=n_nets, record_every=every,
                                  lags=lags, n_probe=50, device=dev)
    """, tags=IGNORE),
    code("""
    fig, axes = subplots(1, 2, width=5.2, height=3.6)
    plots.plot_training_norms(hist, lags, ax=axes[0])
    plots.plot_training_q(hist, ax=axes[1])
    axes[0].set_title("‖δ(k−j)‖ during plain SGD (mean over networks)", fontsize=10)
    axes[1].set_title("Q and saturation during plain SGD", fontsize=10);
    """),
    md("What the run shows, in numbers:"),
    code("""
    oldest = torch.stack(hist["delta"])[:, :, -1]  # (records, M): ‖δ(k−99)‖
    sat = torch.stack(hist["saturated"])
    print(f"{n_steps} iterations, {n_nets} networks")
    print(f"‖δ(k−99)‖ at the start {oldest[0].mean():.1e}, at the end {oldest[-1].mean():.1e}, lowest {oldest.min():.1e}")
    print(f"Q at the start {hist['Q'][0].mean():.2f}, at the end {hist['Q'][-1].mean():.2f}")
    print(f"most units saturated at any probe: {100 * sat.max():.1f} %")
    print("collapse below 1e-7 (the paper's Fig. 3):", bool((oldest < 1e-7).any()))
    """, tags=IGNORE),
    md(r"""
    **What we found — the paper's collapse did not happen at this budget.** In the committed learner
    run (3 networks, 600 iterations) ‖δ(k−99)‖ stayed around $10^{-1}$ (lowest about $8\cdot10^{-3}$, one network at one probe),
    never near $10^{-7}$; Q wandered between about 0.5 and 2 without a trend; no unit saturated;
    the accuracy stayed near chance (25 %). A longer run of 3 networks for 2000 iterations, made while
    writing this notebook, was the same, except that Q drifted towards 0 and one network went
    slightly below 0 (its old gradients *grew*). We did not tune the run until it collapses.
    Possible reasons: the paper shows one network, not a typical one; its Fig. 3 may span far more
    iterations (its runs are 100 000 updates; a GPU probe of exactly this regime, SPEC §F, stays at
    chance for the first 30 000 updates of T = 100 before it learns); and its bookkeeping (momentum
    reset each epoch, "save best") is not fully described. What the run does show is the paper's
    real point: Q **moves** during training — the initialisation only sets where it starts.
    Notebook 07 (dS sampling) keeps Q inside $[-1, 1]$ on purpose.

    ## 5 · Try it

    **Try it 1.** The paper's default "σ = 0.01" as a variance: what standard deviation does
    `torch.randn(K, K) * std` need?
    """),
    code("""
    answer = None  # replace None with a number
    exercises.check_std_for_variance(answer);
    """),
    solution("""
    import math
    # randn draws N(0, 1); multiplying by std gives variance std², so std = √(variance)
    answer = math.sqrt(0.01)
    W = torch.randn(100, 100, dtype=torch.float64, generator=torch.Generator().manual_seed(0)) * answer
    assert abs(float(W.var()) - 0.01) < 0.001  # the sample variance of the draw is 0.01
    ok = exercises.check_std_for_variance(answer)
    """),
    md("**Try it 2.** What spectral radius does the circular law predict for $K = 100$ and variance $\\sigma^2 = 0.02$?"),
    code("""
    answer = None  # replace None with a number
    exercises.check_circle_radius(answer);
    """),
    solution("""
    # Circular law (eq. 05.1): radius = std · √K = √(σ² K)
    answer = init_scale.circle_radius(0.02, 100)  # √2 ≈ 1.414: outside the unit circle
    ok = exercises.check_circle_radius(answer)
    """),
    md(r"""
    **Try it 3.** A network has ‖δ(k)‖ = 0.8 and ‖δ(k−100)‖ = 8·10⁻¹⁵. Compute its Q-factor (eq. 25),
    then say whether Q = 14 is `"vanishing"`, `"exploding"` or `"safe"`.
    """),
    code("""
    answer = None  # replace None with a number (you may use math.log10)
    exercises.check_q_from_norms(answer);
    """),
    solution("""
    import math
    # eq. (25): Q = log10 ‖δ(k)‖ − log10 ‖δ(k−h)‖, the newest norm first
    answer = math.log10(0.8) - math.log10(8e-15)  # = log10(0.8 / 8e-15) = log10(1e14) = 14
    ok = exercises.check_q_from_norms(answer)
    """),
    code("""
    answer = None  # replace None with "vanishing", "exploding" or "safe"
    exercises.check_q_kind(answer);
    """),
    solution("""
    # Q = 14 > 0: the old gradient is 10^14 times SMALLER than the newest one — far outside the safe
    # zone [−1, 1], on the vanishing side (Q ≪ 0 would be exploding).
    Q = 14.0
    answer = "vanishing" if Q > 1 else ("exploding" if Q < -1 else "safe")
    ok = exercises.check_q_kind(answer)
    """),
    md(r"""
    **Try it 4.** You build an SRN with $K = 256$ hidden units. Which init variance puts the spectral
    radius of $W_\text{rec}$ at 1? (Then check it: `init_scale.spectral_radii(your_answer, 256)`.)
    """),
    code("""
    answer = None  # replace None with a variance
    exercises.check_variance_for_radius(answer);
    """),
    solution("""
    # Solve std · √K = 1 for the variance: σ² = std² = 1/K. Then check it on 20 random W_rec.
    K = 256
    answer = 1 / K
    radii = init_scale.spectral_radii(answer, K)  # 20 draws: all within 10 % of 1
    assert bool(((radii - 1).abs() < 0.1).all())
    ok = exercises.check_variance_for_radius(answer)
    """),
    md(r"""
    **Explore.** In the slider panel, find the variance where Q crosses 0 for that one network; is it
    exactly 1/K? (Hint: the tanh's $f' < 1$ and the input drive shift it a little above 1/K.)

    ## Summary

    * At initialisation, ‖δ(k−h)‖ behaves like $\rho^h$ with $\rho \approx \text{std}\cdot\sqrt K$
      (circular law, eq. 05.1): a factor of √2 in std is a factor of $10^{15}$ after 100 steps.
    * The paper's "σ" must be the **variance**: read as a standard deviation, all three of its
      settings vanish (Q ≈ 69-129). Variance 0.01 reproduces its healthy case; its two extremes
      (Q > 25, Q < −6) match halving and doubling the *standard deviation*, not the variance.
    * The rule is variance 1/K. For $K = 100$ that is the paper's 0.01.
    * Compute these norms in float64: the vanishing settings fall below float32's range.
    * A good start is no guarantee: Q moves during training. In our runs with the paper's settings
      (up to 2000 iterations) it wandered near the safe zone instead of collapsing as in the paper's
      Fig. 3 — we say so rather than tune until it does.

    ## Further reading

    * Seed 001: A. Chernodub, D. Nowicki, *Sampling-based gradient regularization for capturing
      long-term dependencies in recurrent neural networks* (Ukrainian version), §8 and Fig. 2-4;
      SPEC §E of this lab lists our checks.
    * Y. Bengio, P. Simard, P. Frasconi, *Learning long-term dependencies with gradient descent is
      difficult*, IEEE Trans. Neural Networks 5(2), 1994.
    * R. Pascanu, T. Mikolov, Y. Bengio, *On the difficulty of training recurrent neural networks*,
      ICML 2013 — the source of the paper's σ = 0.01 (their code: N(0, std 0.1)).
    * A. Saxe, J. McClelland, S. Ganguli, *Exact solutions to the nonlinear dynamics of learning in
      deep linear neural networks*, ICLR 2014 — orthogonal initialisation, all |λ| = 1.
    * V. L. Girko, *Circular law*, Theory Probab. Appl. 29(4), 1985; T. Tao, V. Vu, *Random matrices:
      universality of ESDs and the circular law*, Ann. Probab. 38(5), 2010.
    """),
]

if __name__ == "__main__":
    build("notebooks/05_init_sigma.ipynb", cells)
