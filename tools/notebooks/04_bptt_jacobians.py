"""Builder for notebooks/04_bptt_jacobians.ipynb (run: .venv/bin/python -m tools.notebooks.04_bptt_jacobians)."""
from tools.nb import build, code, md, solution

CHECK, IGNORE = ["nbval-check-output"], ["nbval-ignore-output"]

cells = [
    md(r"""
    # 04 · Backpropagation through time: δ, Jacobian products and the Q-factor

    A recurrent network reuses the same weights at every time step. Unfold it over $T$ steps and
    it becomes a $T$-layer deep network whose layers share $W_{rec}$ — and its gradient becomes a
    **product of $T$ Jacobians**. This notebook follows Chernodub & Nowicki's paper (seed 001,
    a Ukrainian paper on a sampling method against vanishing gradients, sections 2-3): we unfold a
    simple recurrent network (SRN), code the backward recursion for the local gradients δ by
    hand, check it against autograd, and then measure how fast ‖δ‖ shrinks or grows as it
    travels back in time.

    **Learning goals.** After this notebook you can
    1. write the SRN's forward pass, eq. (1)-(3), and its backward recursion, eq. (5)-(7), in row form;
    2. explain why $\|\delta(k-h)\|$ behaves like a product of $h$ Jacobians, eq. (10), and bound it
       with singular values;
    3. read the **Q-factor**, eq. (25), as "how many orders of magnitude the gradient lost in $h$ steps";
    4. say why the logistic sigmoid vanishes faster than tanh (the ¼), and why an LSTM's cell state
       carries gradients further — but only with an open forget gate.
    """),
    md("One setup cell: the lab, the recurrent modules, the plots, the checkers, one seed and the device."),
    code("""
    import torch

    import vglab as vg
    from vglab import bptt, exercises, lstm, srn, tasks
    from vglab.plots import recurrent as rplots
    from vglab.plots.style import COLORS, subplots
    from vglab.show import show_source
    from vglab.widgets.recurrent import bptt_panel

    vg.seed(0)
    torch.set_num_threads(1)  # every net here is small: one CPU thread is faster than two
    dev = vg.device()
    print("device:", vg.describe(dev), "(sections 1-4 run on the CPU in float64; section 5 trains on this device)")
    """, tags=IGNORE),
    md(r"""
    ## 1 · The SRN, unfolded

    The paper's simple recurrent network, with row vectors (one sequence per row of a minibatch):

    $$a(k) = u(k)\,W_{in} + z(k-1)\,W_{rec} + b \tag{1}$$
    $$z(k) = f(a(k)),\quad f = \tanh \tag{2}$$
    $$\tilde y = g\big(z(k)\,W_{out} + b_{out}\big),\quad g = \text{softmax or linear} \tag{3}$$

    with $z(0) = 0$ and the loss $E$ taken at the last step. Unfolding means writing the loop out:
    step $k$ is a "layer" whose input is $z(k-1)$. All weight matrices start from $N(0, \sigma^2)$,
    where $\sigma^2 = 0.01$ is the **variance** (notebook 05 shows why it must be the variance).
    This is the library's forward pass — an explicit loop over time:
    """),
    code("show_source(srn.SRN.unroll)"),
    md(r"""
    Our benchmark for the whole notebook is the **temporal-order task** (SPEC §G, after Hochreiter &
    Schmidhuber 1997): a sequence of random noise symbols c-f with two marked symbols, A or B, at
    10-20 % and 40-50 % of its length; the network must say which of AA, AB, BA, BB it saw. The
    information sits 50-90 steps before the end of a 100-step sequence, so the gradient must travel
    that far back.
    """),
    code("""
    g = torch.Generator().manual_seed(1)
    x, y = tasks.make_batch("temporal_order", 32, 101, g)  # x (B, T, 6) one-hot, y (B,) in {0,1,2,3}
    x = x.double()
    print("x:", tuple(x.shape), " y:", tuple(y.shape), " classes:", sorted(set(y.tolist())))
    """),
    md(r"""
    ## 2 · The δ recursion, by hand

    The local gradients are $\delta(k) \equiv \partial E/\partial a(k)$. At the last step,
    $\delta(T) = (\partial E/\partial\tilde y)\,W_{out}^\top \odot f'(a(T))$; going back one step,

    $$\delta(n-1) = \delta(n)\,W_{rec}^\top\,\mathrm{diag}\big(f'(a(n-1))\big). \tag{6}$$

    The paper also writes this per unit, $\delta_j(n-1) = f'(a_j(n-1))\sum_i w_{rec}^{ij}\,\delta_i(n)$ (5),
    with its own index convention: with $a(n) = z(n-1)\,W_{rec}$, unit $j$ feeds unit $i$ through
    $W_{rec}[j, i]$, so the sum must run over $w_{rec}^{ji}$. We implement the matrix form (6),
    which is what autograd computes — tested in `tests/test_bptt.py`. In code, row form:
    `delta[n-1] = (delta[n] @ W_rec.T) * f_prime(a[n-1])`.
    """),
    code("show_source(bptt.manual_local_gradients)"),
    md("Now the check: three networks at once (`n_networks=3`), δ at every step by hand and by autograd, in float64."),
    code("""
    model = srn.SRN(6, 20, 4, sigma2=0.05, n_networks=3, generator=torch.Generator().manual_seed(0),
                    dtype=torch.float64)
    by_hand = bptt.manual_local_gradients(model, x[:8, :50], y[:8])
    by_autograd = bptt.local_gradients(model, x[:8, :50], y[:8])
    diff = (by_hand - by_autograd).abs().max().item()
    print("delta shape (M, B, T, K):", tuple(by_hand.shape))
    print("by hand matches autograd (float64, max diff < 1e-10):", diff < 1e-10)
    """, tags=CHECK),
    md(r"""
    ## 3 · A product of Jacobians

    Call the matrix that carries δ one step back

    $$J(n) \equiv W_{rec}^\top\,\mathrm{diag}\big(f'(a(n-1))\big), \qquad \delta(n-1) = \delta(n)\,J(n). \tag{7-8}$$

    Applying it $h$ times:

    $$\delta(n-h) = \delta(n)\,J(n)\,J(n-1)\cdots J(n-h+1). \tag{10}$$

    $J(n)$ is the Jacobian $\partial a(n)/\partial a(n-1)$ (rows index $a(n)$). The paper names it
    $\partial z(n)/\partial z(n-1)$; that Jacobian would carry $f'(a(n))$ instead of $f'(a(n-1))$ —
    the same product, shifted by one step. Since the spectral norm is submultiplicative,

    $$\|J(n)\cdots J(n-h+1)\|_2 \;\le\; \prod_i \sigma_{max}(J(i)) \;\le\; \big(\sigma_{max}(W_{rec})\cdot\max|f'|\big)^h .$$

    Here is one sequence through an SRN with K = 100 and σ² = 0.01 (100 Jacobians of 100 × 100,
    about a second on a CPU):
    """),
    code("""
    net = srn.SRN(6, 100, 4, sigma2=0.01, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    _, a, _ = net(x[:1], return_states=True)  # a (1, T, K)
    J = bptt.jacobians(net, a[0])  # (T-1, K, K)
    norms, bound = bptt.jacobian_product_norms(J)
    print("||prod J|| <= prod sigma_max(J) for every h:", bool((norms <= bound * (1 + 1e-12)).all()))
    print(f"h = 100: ||prod J|| = 10^{norms[-1].log10().item():.0f}, bound = 10^{bound[-1].log10().item():.0f}")
    """, tags=CHECK),
    code("""
    ax = rplots.plot_product_norms(norms, bound, label="(σ² = 0.01)", ax=subplots(width=5.5)[1])
    ax.set_title("the bound holds, and is very loose");
    """),
    md(r"""
    The bound *grows* while the product *shrinks*. For a random Gaussian $W_{rec}$ the largest
    singular value is about $2\,\mathrm{std}\sqrt K$, twice the spectral radius $\approx \mathrm{std}\sqrt K$
    (the circular law), and the bound multiplies worst cases that never line up. So the bound
    guarantees vanishing when $\sigma_{max}\cdot\max|f'| < 1$, but says nothing above that; the
    spectral radius (how the product behaves in the long run) is the better guide for what happens.

    ## 4 · ‖δ(k − h)‖ against h, and the Q-factor

    The paper measures the flow with the **Q-factor**: how many orders of magnitude ‖δ‖ changes over
    $h$ steps back, norms averaged over the minibatch,

    $$Q(\delta, h) = \log_{10}\|\delta(k)\| - \log_{10}\|\delta(k-h)\|. \tag{25}$$

    $Q \approx 0$: the gradient flows; $Q \gg 0$: it vanishes; $Q \ll 0$: it explodes. The paper calls
    $Q \in [-1, 1]$ "enough to learn with SGD". We set the spectral radius ρ through the variance,
    $\sigma^2 = \rho^2/K$, and draw the bound $\|\delta(k)\|\,(\sigma_{max}(W_{rec})\max|f'|)^h$ dashed
    beside each curve. (Float64 throughout: at ρ = 0.5 the norms fall below float32's range.)
    """),
    code("""
    K = 100
    profiles, bounds, Q = {}, {}, {}
    for rho in (0.5, 1.0, 1.5):
        net = srn.SRN(6, K, 4, sigma2=srn.sigma2_for_radius(rho, K), generator=torch.Generator().manual_seed(0),
                      dtype=torch.float64)
        delta = bptt.local_gradients(net, x, y)  # (B, T, K)
        label = f"radius ≈ {srn.spectral_radius(net.W_rec).item():.2f}"
        profiles[label] = bptt.delta_profile(delta)
        bounds[label] = bptt.norm_bound(net, profiles[label][0], 100)
        Q[rho] = bptt.q_factor(delta, 100)
    for rho, q in Q.items():
        verdict = "vanishes" if q > 1 else ("explodes" if q < -1 else "flows")
        print(f"sigma2 = rho^2/K with rho = {rho}: Q(delta, 100) = {q:.0f}, the gradient {verdict}")
    """, tags=CHECK),
    code("""
    ax = rplots.plot_gradient_vs_lag(profiles, bounds, ax=subplots(width=6.5, height=3.6)[1],
                                     title="SRN, tanh, K = 100: ‖δ(k−h)‖ and its bound (dashed)")
    ax.set_ylim(1e-35, 1e12);
    """),
    md(r"""
    Three regimes, as the paper's Fig. 2 shows (notebook 05 reproduces it): below radius 1 the
    norm decays geometrically, above it grows until tanh saturates and the $f'$ factors rein it in.
    Near radius 1 (σ² = 0.01, the paper's choice) it drifts slowly; our Q here is a few units, not
    the paper's 0.7 — notebook 05 looks at that gap over many networks.

    ## 5 · tanh against the logistic sigmoid: the ¼

    Each Jacobian carries a factor $f'(a)$. For tanh, $f' = 1 - \tanh^2 \le 1$; for the logistic
    sigmoid, $f' = \sigma(1-\sigma) \le 1/4$. So the bound shrinks by at least 4× per step more for
    the sigmoid. (The paper's text says "tanh" twice at this point; the second one is the sigmoid —
    tanh's derivative peaks at 1, the sigmoid's at ¼.)
    """),
    code("""
    grid = torch.linspace(-6, 6, 10001, dtype=torch.float64)
    for name in ("tanh", "sigmoid"):
        f, f_prime = srn.nonlinearity(name)
        print(f"max f'(a) for {name}: {f_prime(grid).max().item():.2f}")
    """, tags=CHECK),
    code("""
    profiles_f, bounds_f = {}, {}
    for name in ("tanh", "sigmoid"):
        net = srn.SRN(6, K, 4, sigma2=0.01, activation=name, generator=torch.Generator().manual_seed(0),
                      dtype=torch.float64)
        profiles_f[name] = bptt.delta_profile(bptt.local_gradients(net, x, y))
        bounds_f[name] = bptt.norm_bound(net, profiles_f[name][0], 100)
    ax = rplots.plot_gradient_vs_lag(profiles_f, bounds_f, colors=COLORS, ax=subplots(width=6.5, height=3.6)[1],
                                     title="same W_rec (σ² = 0.01), tanh vs sigmoid")
    ax.set_ylim(1e-80, 1e12);
    """),
    md(r"""
    ## 6 · An SRN against an LSTM

    The LSTM (Hochreiter & Schmidhuber 1997) adds a cell state with an additive update,
    $c(k) = f(k)\odot c(k-1) + i(k)\odot g(k)$. Along the cell path the Jacobian
    $\partial c(k)/\partial c(k-1)$ is just $\mathrm{diag}(f(k))$ — no $W_{rec}$, no $f'$. The gradient
    still shrinks by the forget gate $f$ at every step: with all biases 0 (torch's `LSTMCell`
    draws its biases around 0), $f \approx \sigma(0) = 0.5$ and $\|\partial E/\partial c\|$ vanishes
    roughly like $0.5^h$ — like a plain RNN at spectral radius 0.5 in section 4. A forget-gate bias of 1 opens the gate
    ($f \approx 0.73$ at init) and the gradient reaches much further.

    We compare, on temporal order with T = 30 (K = 32 units each): an SRN's ‖∂E/∂z(k)‖ and an LSTM's
    ‖∂E/∂h(k)‖ (dashed) and ‖∂E/∂c(k)‖ (solid), with forget bias 0 and 1, first at initialisation:
    """),
    code("""
    T_short, K_small = 30, 32
    xs, ys = tasks.make_batch("temporal_order", 64, T_short, torch.Generator().manual_seed(2))

    models = lstm.comparison_models(6, K_small, 4, forget_biases=(0.0, 1.0))  # SRN σ² = 1/K, two LSTMs
    at_init = lstm.state_gradient_curves(models, xs, ys)
    for name in ("LSTM f-bias 0", "LSTM f-bias 1"):
        c = at_init[f"{name} ‖∂E/∂c‖"]
        print(f"{name}: ||dE/dc|| at step 1 / at step {T_short}: 10^{(c[0] / c[-1]).log10().item():.0f}")
    """, tags=CHECK),
    md(r"""
    Now we train all three for a few hundred Adam steps (learning rate 0.01, minibatch 32, gradient
    clipped at norm 1). **Cost:** about 30-60 s on a 2-core CPU at learner size (a few seconds in
    quick mode); a GPU does not help much with nets this small, since every step is 30 tiny kernels.
    """),
    code("""
    n_steps = vg.by_mode(40, 300)
    histories = {}
    for name, m in models.items():
        histories[name] = lstm.train_on_task(m, "temporal_order", T_short, n_steps, lr=1e-2, device=dev,
                                             generator=torch.Generator().manual_seed(3), desc=name)
        print(f"{name}: test accuracy {histories[name]['accuracy'][-1]:.2f} after {n_steps} steps (chance 0.25)")
    after = lstm.state_gradient_curves(models, xs, ys)
    """, tags=IGNORE),
    code("""
    fig, axes = subplots(1, 2, width=5.2, height=3.6, sharey=True)
    STYLES = rplots.state_styles(at_init)
    rplots.plot_state_gradients(at_init, styles=STYLES, ax=axes[0], title="at initialisation")
    rplots.plot_state_gradients(after, styles=STYLES, ax=axes[1], title=f"after {n_steps} training steps");
    """),
    md(r"""
    **At initialisation** the SRN, started at spectral radius ≈ 1 (σ² = 1/K), loses only about one
    order of magnitude of ‖∂E/∂z‖ over 30 steps — section 4's healthy edge. The LSTM with forget bias 0
    loses about six orders of its cell gradient (f ≈ 0.5 at every step); with bias 1 it loses about two,
    so at the first steps, where the first marker sits, its gradient is about four orders of magnitude
    larger (the checked cell above). That is the whole case for the forget-gate bias of 1: an LSTM is
    not automatically better than an SRN; its cell path only helps when the gate is open.

    **After training** — read the accuracies printed above, and be careful with them: at this size
    (T = 30, 300 steps) who learns the task depends on the seed. In our seed sweeps (3-4 seeds each,
    Adam 0.01) the LSTM with bias 1 solved it in about 3 of 4 runs, often within 100 steps; the LSTM
    with bias 0 in none of 3; and the SRN, whose init here sits at spectral radius ≈ 1 (σ² = 1/K, the
    edge of the healthy regime of section 4), in 2 of 3. T = 30 is short enough for a well-initialised
    SRN; the LSTM's advantage grows with T (Hochreiter & Schmidhuber run hundreds of steps), which
    would take minutes here. What the right panel shows in a run that learned: the gradient reaching
    the early steps grows during training, because the network has found that they matter.
    (nbval does not compare the accuracies: they depend on machine and mode.)

    ## 7 · The slider panel

    Move the init variance σ², the horizon h and the nonlinearity. Left: ‖δ(k−h′)‖ for
    $h' \le h$ and the bound $(\sigma_{max}\max|f'|)^{h'}$ (dashed), with Q(δ, h) in the title;
    right: the per-step weight gradient $\|\partial E/\partial W_{rec}(n)\|_F = \|z(n-1)^\top\delta(n)\|_F$,
    eq. (4), which follows ‖δ‖. The button snaps σ² to the critical value where
    radius × max f′ = 1 (σ² = 1/K for tanh, 16/K for the sigmoid). Each new σ² costs one forward and
    backward pass (K = 100, 16 sequences, float64); moving h only redraws.
    """),
    code("panel = bptt_panel()\npanel", tags=IGNORE),
    md(r"""
    ## 8 · Try it

    **Exercise 1 — one step of the δ recursion.** Write `one_step(delta_n, W_rec, a_prev)` that returns
    δ(n−1) for a tanh SRN, eq. (6), row form: `delta_n` and `a_prev` are (B, K), `W_rec` is (K, K).
    """),
    code("""
    def one_step(delta_n, W_rec, a_prev):
        return None  # your code here

    exercises.check_delta_step(one_step)
    """),
    solution("""
    def one_step(delta_n, W_rec, a_prev):
        # eq. (6), row form: a(n) = z(n−1) @ W_rec + ..., so ∂E/∂z(n−1) = δ(n) @ W_recᵀ;
        # then through z(n−1) = tanh(a(n−1)): multiply elementwise by tanh′ = 1 − tanh²
        return (delta_n @ W_rec.T) * (1 - torch.tanh(a_prev) ** 2)

    ok = exercises.check_delta_step(one_step)
    """),
    md(r"""
    **Exercise 2 — the bound for a given W_rec.** For the matrix `W` below, compute the bound
    $(\sigma_{max}(W)\cdot\max|f'|)^h$ on $\|J(n)\cdots J(n-h+1)\|_2$ for tanh and h = 20.
    (Hint: `torch.linalg.matrix_norm(W, ord=2)`.)
    """),
    code("""
    W = torch.tensor([[0.9, 0.3], [-0.2, 0.7]], dtype=torch.float64)
    my_bound = None  # your answer
    exercises.check_product_bound(my_bound, W, 20, "tanh")
    """),
    solution("""
    # Each J = W_recᵀ diag(f′) has ‖J‖₂ ≤ σ_max(W_rec) · max|f′|, and max|tanh′| = tanh′(0) = 1;
    # the norm of a product is at most the product of the norms: h = 20 factors.
    sigma_max = float(torch.linalg.matrix_norm(W, ord=2))
    my_bound = (sigma_max * 1.0) ** 20  # σ_max ≈ 0.95 < 1, so the bound vanishes with h
    ok = exercises.check_product_bound(my_bound, W, 20, "tanh")
    """),
    md(r"""
    **Exercise 3 — neither vanishing nor exploding.** Near $a = 0$ each step multiplies ‖δ‖ by about
    (spectral radius) × f′(0). Which spectral radius keeps the gradient's norm steady for tanh? And for
    the logistic sigmoid? Check with the panel (the snap button), then here.
    """),
    code("""
    radius_tanh = None     # your answer
    radius_sigmoid = None  # your answer
    exercises.check_critical_radius(radius_tanh, "tanh")
    exercises.check_critical_radius(radius_sigmoid, "sigmoid");
    """),
    solution("""
    # Near a = 0 a step multiplies ‖δ‖ by about radius × f′(0); solve radius × f′(0) = 1.
    zero = torch.zeros(1, dtype=torch.float64)
    tanh_d0 = float(1 - torch.tanh(zero) ** 2)                          # 1
    sigmoid_d0 = float(torch.sigmoid(zero) * (1 - torch.sigmoid(zero)))  # 1/4
    radius_tanh, radius_sigmoid = 1 / tanh_d0, 1 / sigmoid_d0        # 1 and 4
    exercises.check_critical_radius(radius_tanh, "tanh")
    ok = exercises.check_critical_radius(radius_sigmoid, "sigmoid")
    """),
    md(r"""
    **Exercise 4 — the ¼ in numbers.** By how many orders of magnitude is the sigmoid's bound
    smaller than tanh's after h = 10 steps (same $W_{rec}$)?
    """),
    code("""
    orders = None  # your answer
    exercises.check_sigmoid_orders(orders, h=10);
    """),
    solution("""
    import math
    # Same W_rec, so the two bounds differ only in max|f′|: (σ_max · 1)^h vs (σ_max · 1/4)^h.
    # Their ratio is 4^h whatever W is; in orders of magnitude, log10 of it (the W from exercise 2):
    sigma_max = float(torch.linalg.matrix_norm(W, ord=2))
    orders = math.log10((sigma_max * 1.0) ** 10) - math.log10((sigma_max * 0.25) ** 10)  # 10 · log10(4) ≈ 6
    ok = exercises.check_sigmoid_orders(orders, h=10)
    """),
    md(r"""
    ## Summary

    * Unfolded over T steps, an SRN is a T-layer network with shared weights; the local gradients obey
      $\delta(n-1) = \delta(n)\,W_{rec}^\top\,\mathrm{diag}(f'(a(n-1)))$ (6) — the matrix form; the paper's
      index form (5) has the indices of $w_{rec}$ swapped.
    * Going back $h$ steps multiplies δ by $h$ Jacobians (10). Their product is bounded by
      $\prod\sigma_{max}(J) \le (\sigma_{max}(W_{rec})\max|f'|)^h$ — a bound that guarantees vanishing
      below 1 but is loose: for random matrices $\sigma_{max}$ is about twice the spectral radius.
    * The Q-factor (25) counts orders of magnitude lost over $h$ steps. With tanh it vanishes below
      spectral radius ≈ 1 and explodes above it (until saturation); the sigmoid's $f' \le 1/4$ makes it
      vanish at the same weights.
    * The LSTM's cell path replaces $W_{rec}^\top\mathrm{diag}(f')$ by $\mathrm{diag}(f)$, the forget gate:
      with bias 0 ($f \approx 0.5$) it vanishes too (six orders over 30 steps here); with bias 1 the
      early steps get about 10⁴ times more gradient. A well-initialised SRN is competitive at T = 30.

    Next: notebook 05 reproduces the paper's Fig. 2 — how violently the flow depends on σ².

    ## Further reading

    * A. Chernodub, D. Nowicki, *Sampling-based gradient regularization for capturing long-term
      dependencies in recurrent neural networks* (the Ukrainian paper, seed 001: sections 2-3 for the
      recursion and Jacobians, eq. (25) for Q).
    * Y. Bengio, P. Simard, P. Frasconi, *Learning long-term dependencies with gradient descent is
      difficult*, IEEE Trans. Neural Networks 5(2), 1994.
    * S. Hochreiter, J. Schmidhuber, *Long short-term memory*, Neural Computation 9(8), 1997 — the LSTM
      and the temporal-order task.
    * R. Pascanu, T. Mikolov, Y. Bengio, *On the difficulty of training recurrent neural networks*,
      ICML 2013 — the singular-value bound, clipping, and the benchmarks' modern form.
    * F. Gers, J. Schmidhuber, F. Cummins, *Learning to forget: continual prediction with LSTM*, 2000;
      R. Jozefowicz, W. Zaremba, I. Sutskever, *An empirical exploration of recurrent network
      architectures*, ICML 2015 — why the forget-gate bias of 1.
    """),
]

if __name__ == "__main__":
    build("notebooks/04_bptt_jacobians.ipynb", cells)
