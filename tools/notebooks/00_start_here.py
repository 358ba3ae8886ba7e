"""Builder for notebooks/00_start_here.ipynb (run: .venv/bin/python -m tools.notebooks.00_start_here)."""
from tools.nb import build, code, md, solution

cells = [
    md(r"""
    # 00 · Start here: a lab for vanishing and exploding gradients

    Deep networks and recurrent networks learn by backpropagation, and backpropagation **multiplies**:
    one factor per layer, or per time step. Multiply many numbers below 1 and the gradient vanishes;
    many above 1 and it explodes. This lab takes that one sentence apart — measured, plotted and
    coded — from a single module's backward pass to two research methods that try to keep the
    gradient alive.

    **Who it is for:** anyone who has trained a small network in PyTorch and wants to know *why* deep
    and recurrent nets are hard to train, and what each fix really does. Instructors can run every
    notebook in CI (see the README).

    **On this page** you will
    1. see the map of the lab and what each notebook shows;
    2. meet the whole problem in one formula and one slider;
    3. learn how sliders, exercises, quick mode and the GPU work here;
    4. find the notation used in every notebook.
    """),
    md("Every notebook starts the same way: import the lab, seed everything once, and say which device it runs on."),
    code("""
    import vglab as vg
    from vglab import exercises, intro

    vg.seed(0)
    dev = vg.device()
    print("device:", vg.describe(dev))
    print("quick mode:", vg.QUICK)
    """, tags=["nbval-ignore-output"]),
    md(r"""
    ## 1 · The map

    | notebook | what you will see | source |
    |---|---|---|
    | **01_backprop_modules** | backward passes of Linear, ReLU, branch, add, max, softmax written by hand and checked against autograd; why softmax + log saturates and log-softmax does not | NYU lecture (seed 004) |
    | **02_sgd_variants** | SGD, Momentum, NAG, AdaGrad, RMSProp, AdaDelta, Adam, Nadam on four loss surfaces, live; the cliff with and without clipping; the lecture's slips | lecture slides (seed 002) |
    | **03_saturation** | activations and their derivatives; per-layer histograms and gradient norms of a 50-layer net; sigmoid vs tanh vs ReLU vs residual vs Xavier/Kaiming on real digits | seeds 000, 002, 003 |
    | **04_bptt_jacobians** | the simple recurrent network unfolded; δ(k−h) as a product of Jacobians with its singular-value bound; tanh vs sigmoid; SRN vs LSTM | paper (seed 001) §2-3 |
    | **05_init_sigma** | the paper's Fig. 2: how violently the gradient depends on the initial weight variance, the Q-factor, and what "σ" must have meant | paper §8 |
    | **06_beta_penalty** | the patent's ω: a Beta-distribution penalty that keeps sigmoid units out of saturation — built, and its claims measured | patent (seed 000) |
    | **07_ds_sampling** | the paper's dS sampling: skip minibatches that push the gradient norm the wrong way; its Table 1 | paper §5-7 |
    | **08_which_fix_when** | every remedy on two shared testbeds, one summary table | all seeds |

    Notebooks that are not in your copy yet are still being written; the ones present run on their own.
    """),
    md(r"""
    ## 2 · The whole problem in one formula

    Backpropagation through $n$ layers (or $n$ time steps) multiplies the gradient by one Jacobian
    per layer. If each multiplies its size by about the same factor $c$,

    $$\|\text{gradient after } n \text{ layers}\| \;\approx\; c^{\,n}\,\|\text{gradient at the top}\| . \tag{00.1}$$

    A sigmoid's derivative is at most $\sigma'(0) = 1/4$, so a sigmoid layer with unit weights has
    $c \le 1/4$ — and after ten such layers the gradient is a millionth of what it was. This is the
    library function behind the next figure; every piece of code the lab teaches is shown like this,
    straight from the package:
    """),
    code("""
    from vglab.show import show_source
    show_source(intro.chain_gain)
    """),
    md("Ten sigmoid layers, at their very best:"),
    code("""
    gain = intro.chain_gain(0.25, 10)
    print(f"after 10 sigmoid layers the gradient is at most {gain[-1]:.1e} of its size at the top")
    print(f"layers until it falls below 1e-6: {intro.layers_until(0.25, 1e-6):.2f}")
    """, tags=["nbval-check-output"]),
    md(r"""
    ## 3 · How sliders work

    Every topic notebook has a **slider panel**: controls on top, one figure below. Moving a control
    recomputes and redraws the figure (the target is under 0.1 s). Some panels have a **snap**
    button for a critical value you cannot hit by dragging. Sliders that retrain something only
    redraw when you release them. If a combination makes no sense, the panel says so in red
    instead of raising an error.

    Panels need a live kernel: on GitHub you see a still picture; in JupyterLab or on Binder, run
    the cell (Shift+Enter). Try it: slide the factor $c$ just below and just above 1, then press
    the snap button.
    """),
    code("""
    from vglab.widgets.intro import chain_panel
    chain_panel(factor=0.25, depth=30)
    """, tags=["nbval-ignore-output"]),
    md(r"""
    ## 4 · Quick mode, the device, and what things cost

    * **Quick mode.** `VGLAB_QUICK=1` (set by the test command and CI) shrinks every experiment —
      fewer training steps, smaller batches — so each notebook runs in well under a minute on two CPU
      cores. Without it you get the *learner size*, which the committed notebooks show (each at most
      about 3 minutes on a laptop CPU). Numbers that state a teaching claim are computed at a size
      quick mode does not change, so they read the same in both modes.
      In code, a notebook picks its size with `vg.by_mode(quick=..., learner=...)`:
    """),
    code("""
    n_steps = vg.by_mode(quick=50, learner=2000)
    print("training steps in this mode:", n_steps)
    """, tags=["nbval-ignore-output"]),
    md(r"""
    * **The device.** `vg.device()` picks, in order: the `VGLAB_DEVICE` environment variable
      (e.g. `VGLAB_DEVICE=cpu jupyter lab` to force the CPU), else a CUDA GPU, else Apple's MPS,
      else the CPU. Every training function takes `device=`; nothing requires a GPU. Cells that
      take more than a few seconds say beforehand what they cost on a CPU and on a GPU.
    * **Saved runs.** Full-size reproductions of the paper's tables take GPU-hours; they are
      command-line programs (`python -m vglab.experiments.NAME`) whose results are saved in
      `results/` with their provenance. Notebooks load them through `vglab.results` and label them
      as saved — never as computed live.

    ## 5 · Exercises check themselves

    Each "Try it" section ends with a check cell: put your answer in, run the cell, and it prints
    `Correct: …` or `Not yet: …` with a hint. It never raises, so a wrong guess costs nothing.

    **Stuck? Every exercise has one worked answer** in the cell right after it. Its code is
    collapsed: you see only "…" — click it (or the blue bar to the left of the cell) to expand the
    answer. It computes the answer the way you could, with a comment on the reasoning, and ends by
    calling the same checker, so it prints `Correct: …` (CI runs it too, which proves every worked
    answer right). Try the exercise first. Instructors who hand out the notebooks without answers
    strip these cells (they are tagged `solution`) with
    `python -m tools.strip_solutions notebooks/*.ipynb --out handout/`.

    **Try it 1.** Which per-layer factor $c$ keeps the gradient the same size through 50 layers?
    """),
    code("""
    answer = None  # replace None with your number
    exercises.check_critical_factor(answer);
    """),
    solution("""
    # After n layers the gradient is scaled by c**n (eq. 00.1); c**50 = 1 only for c = 1.
    # A 10 % miss either way costs two orders of magnitude over 50 layers: 0.9**50 = 0.005, 1.1**50 = 117.
    answer = 1.0
    assert intro.chain_gain(answer, 50)[-1] == 1.0
    ok = exercises.check_critical_factor(answer)
    """),
    md("**Try it 2.** After how many sigmoid layers ($c = 1/4$ at best) is the gradient below $10^{-6}$ of its size at the top?"),
    code("""
    answer = None  # replace None with a whole number of layers
    exercises.check_sigmoid_depth(answer);
    """),
    solution("""
    import math
    # 0.25**n < 1e-6  <=>  n > log(1e-6) / log(0.25) = 9.97; the smallest whole n is the ceiling.
    answer = math.ceil(intro.layers_until(0.25, 1e-6))
    ok = exercises.check_sigmoid_depth(answer)
    """),
    md(r"""
    ## 6 · Notation (the same symbols in every notebook)

    | symbol | meaning |
    |---|---|
    | $u(k)$ | input at time step $k$ (row vector) |
    | $a(k)$ | pre-activation: $a(k) = u(k) W_\text{in} + z(k-1) W_\text{rec} + b$ (paper eq. 1) |
    | $z(k)$ | hidden state (activation) $z(k) = f(a(k))$ — we write $z$, not $h$, for the state |
    | $f, f'$ | the squashing nonlinearity (tanh unless said) and its derivative |
    | $W_\text{in}, W_\text{rec}, W_\text{out}$ | input, recurrent and output weights |
    | $E$ | the loss, summed over the minibatch |
    | $\delta(k)$ | local gradient $\partial E / \partial a(k)$ (paper eq. 5-6) |
    | $J(n)$ | Jacobian $\partial a(n)/\partial a(n-1) = W_\text{rec}^\top \operatorname{diag} f'(a(n-1))$ (paper eq. 8) |
    | $h$ | the **horizon**: how many steps back a gradient is followed (not the hidden state) |
    | $K$ | number of hidden units |
    | $T$ | sequence length (time steps); $k$ the last step |
    | $B$, $M$ | minibatch size; number of networks trained side by side |
    | $\sigma^2$ vs $\sigma$ | variance vs standard deviation of the initial weights — the paper mixes them (notebook 05) |
    | $Q$ | Q-factor $\log_{10}\|\delta(k)\| - \log_{10}\|\delta(k-h)\|$: $Q\gg0$ vanishing, $Q\ll0$ exploding (paper eq. 25) |
    | $dS$ | first-order change of $\|\delta(k-h)\|^2$ under a proposed update (paper eq. 20-24) |
    | $\omega$ | the patent's Beta penalty on a squashing layer (claim 1) |
    | $\eta, \gamma, \alpha, \varepsilon$ | learning rate, momentum decay, squared-gradient decay, the small constant (lecture) |

    ## Summary

    * Backprop multiplies one factor per layer or time step; $c^n$ vanishes for $c<1$ and explodes for $c>1$ (eq. 00.1).
    * A sigmoid layer gives at most $c = 1/4$: ten of them cost six orders of magnitude.
    * The lab shows its real code, runs on any device, shrinks itself in quick mode, and its exercises check themselves.

    ## Further reading

    * The lab's sources (`seeds/`): a Romanian patent on a Beta-distribution penalty (000); Chernodub &
      Nowicki's paper on BPTT, the Q-factor and dS sampling (001); Russian lecture slides on SGD variants,
      clipping, ReLU and LSTM (002); a Russian wiki article on the vanishing gradient (003); the NYU
      deep-learning lecture on backprop through modules, in Turkish (004).
    * S. Hochreiter, *Untersuchungen zu dynamischen neuronalen Netzen*, diploma thesis, 1991.
    * Y. Bengio, P. Simard, P. Frasconi, *Learning long-term dependencies with gradient descent is difficult*, IEEE TNN 1994.
    * R. Pascanu, T. Mikolov, Y. Bengio, *On the difficulty of training recurrent neural networks*, ICML 2013.
    """),
]

if __name__ == "__main__":
    build("notebooks/00_start_here.ipynb", cells)
