"""Builder for notebooks/01_backprop_modules.ipynb (run: .venv/bin/python -m tools.notebooks.01_backprop_modules)."""
from tools.nb import build, code, md, solution

CHECK, IGNORE = ["nbval-check-output"], ["nbval-ignore-output"]

cells = [
    md(r"""
    # 01 · Backprop through modules, by hand

    Every gradient a network gets is built by the backward pass: each module receives
    $\partial C/\partial Y$ from above and hands $\partial C/\partial X$ down. Whether the gradient
    that reaches the first layer is healthy, tiny or huge is decided module by module, by these
    local rules. In this notebook you write them out — as Yann LeCun's NYU lecture does (seed 004,
    a Turkish translation of *Deep Learning*, NYU 2020, week 2) — and check each one against PyTorch's
    autograd.

    **Learning goals.** After this notebook you can
    1. derive and code the backward pass of Linear, ReLU, branch, add, max, softmax, log-softmax
       and cross-entropy;
    2. explain why a weight used twice gets the **sum** of two gradients;
    3. write the backward pass of a small net as a **chain of Jacobians**;
    4. show why softmax followed by a squared error (or by a separate log) loses the gradient at
       large logits, and why log-softmax with cross-entropy never does.

    Everything here is tiny (matrices of a few rows), so the whole notebook runs in seconds on any CPU.
    """),
    md("One setup cell: the lab, the modules, the checkers, one seed, and the device (these modules are small enough that everything below runs on the CPU)."),
    code("""
    import matplotlib.pyplot as plt
    import torch

    import vglab as vg
    from vglab import exercises
    from vglab import modules as M
    from vglab.plots import backprop as bp_plots
    from vglab.show import show_source
    from vglab.widgets.backprop import head_gradient_panel

    vg.seed(0)
    dev = vg.device()
    print("device:", vg.describe(dev), "(the hand-written modules below run on the CPU in float64)")
    """, tags=IGNORE),
    md(r"""
    ## 1 · Motivation: backprop is a product of local rules

    The lecture starts from a cost $C(y, \bar y)$ with $\bar y = G(x, w)$ and writes the gradient as a
    product, read from the cost back to the weight:

    $$\frac{\partial C(y,\bar y)}{\partial w} = 1 \cdot \frac{\partial C(y,\bar y)}{\partial \bar y}\cdot
    \frac{\partial G(x,w)}{\partial w}. \tag{01.1}$$

    Shapes: $\partial C/\partial w$ is a $1\times N$ row, $\partial C/\partial \bar y$ a $1\times M$
    **row** (the translation calls it a column vector but gives it the size $1\times M$ — a row),
    and $\partial \bar y/\partial w$ an $M\times N$ Jacobian. A deep net is many such factors in a
    row, and if they are small the product vanishes; if large, it explodes. So we look at each
    factor.

    **Convention used by all of vglab: row vectors.** A minibatch $X$ has one example per row,
    shape $(B, n)$. For a module $Y = f(X)$ with Jacobian $J = \partial Y/\partial X$ of shape
    $(n_\text{out}, n_\text{in})$, the backward pass is $\frac{\partial C}{\partial X} = \frac{\partial C}{\partial Y}\,J$.
    Every module in `vglab.modules` has `forward(X)`, which caches what the backward needs, and
    `backward(dC/dY) -> dC/dX`; parameter gradients accumulate on the module's `Param`s.

    **How we check a backward against autograd.** For any fixed tensor $G$ with $Y$'s shape, the cost
    $C = \sum Y \odot G$ has $\partial C/\partial Y = G$. So `(Y * G).sum().backward()` makes
    autograd compute exactly the $\partial C/\partial X$ our `backward(G)` should return.
    """),
    md(r"""
    ## 2 · Linear

    The lecture writes the linear module in **column form**, one example per column:

    $$Y = W X,\qquad \frac{dC}{dX} = W^\top \frac{dC}{dY},\qquad \frac{dC}{dW} = \frac{dC}{dY}\,X^\top. \tag{01.2}$$

    Transpose everything and you get the **row form** the code uses, $Y = XW + b$ with
    $W$ of shape $(n_\text{in}, n_\text{out})$:

    $$\frac{\partial C}{\partial X} = \frac{\partial C}{\partial Y}\,W^\top,\qquad
    \frac{\partial C}{\partial W} = X^\top \frac{\partial C}{\partial Y},\qquad
    \frac{\partial C}{\partial b} = \sum_\text{rows}\frac{\partial C}{\partial Y}. \tag{01.2r}$$

    Derivation of $\partial C/\partial W$: $Y_{bj} = \sum_i X_{bi}W_{ij} + b_j$, so
    $\partial C/\partial W_{ij} = \sum_b X_{bi}\,\partial C/\partial Y_{bj}$ — a sum over the minibatch,
    which is the matrix product $X^\top\,\partial C/\partial Y$. Here is the real code:
    """),
    code("show_source(M.Linear)"),
    md("Check it on a random minibatch of 5 rows: our backward against autograd, for the input, the weight and the bias."),
    code("""
    X = torch.randn(5, 4, dtype=torch.float64)       # 5 examples, 4 features
    G = torch.randn(5, 3, dtype=torch.float64)       # an incoming dC/dY
    lin = M.Linear(4, 3)
    Y = lin.forward(X)
    dX = lin.backward(G)                             # by hand: G Wᵀ; W.grad = Xᵀ G; b.grad = Σ G

    Xa, Wa, ba = (t.clone().requires_grad_(True) for t in (X, lin.W.value, lin.b.value))
    ((Xa @ Wa + ba) * G).sum().backward()            # autograd: C = Σ Y ⊙ G
    print("Linear dC/dX matches autograd:", torch.allclose(dX, Xa.grad))
    print("Linear dC/dW matches autograd:", torch.allclose(lin.W.grad, Wa.grad))
    print("Linear dC/db matches autograd:", torch.allclose(lin.b.grad, ba.grad))
    print("column form dC/dW = dC/dY Xᵀ is the transpose:", torch.allclose(G.T @ X, lin.W.grad.T))
    """, tags=CHECK),
    md(r"""
    ## 3 · ReLU, branch, add and max

    **ReLU**, $y = (x)^+$: the Jacobian is diagonal with 1 where the unit is on and 0 where it is off,

    $$\frac{dC}{dX} = \begin{cases} 0 & x < 0\\ \frac{dC}{dY} & \text{otherwise.}\end{cases} \tag{01.3}$$

    (At exactly $x = 0$ the lecture passes the gradient, torch and vglab pass 0; both are valid
    subgradients, and random inputs never hit 0.)

    **Branch (copy)**, $Y_1 = X,\ Y_2 = X$: $X$ reaches the cost along two paths, and the chain rule
    adds them. The same holds for $n$ copies:

    $$\frac{dC}{dX} = \frac{dC}{dY_1} + \frac{dC}{dY_2}. \tag{01.4}$$

    **Add**, $Y = X_1 + X_2$: nudge $X_1$ by $\varepsilon$ and $Y$ moves by $\varepsilon$, so each
    input receives the whole gradient — add and branch are each other's mirror image:

    $$\frac{dC}{dX_1} = \frac{dC}{dY}\cdot 1,\qquad \frac{dC}{dX_2} = \frac{dC}{dY}\cdot 1. \tag{01.5}$$

    **Max**, $Y = \max(X_1, X_2)$: locally $Y$ *is* whichever input is larger, so only that one
    gets the gradient:

    $$\frac{dC}{dX_1} = \begin{cases} \frac{dC}{dY} & X_1 > X_2\\ 0 & \text{else.}\end{cases} \tag{01.6}$$

    On a tie the lecture's "else" sends everything to $X_2$; `torch.maximum` splits a tie half and
    half — the same total, another subgradient (the test suite pins both down).
    """),
    code("show_source(M.ReLU)"),
    code("show_source(M.Branch, docstring=False)"),
    code("show_source(M.Add, docstring=False)"),
    code("show_source(M.Max)"),
    md("The four checks against autograd, on random inputs:"),
    code("""
    X1, X2, G1, G2 = (torch.randn(4, 3, dtype=torch.float64) for _ in range(4))
    A, B = X1.clone().requires_grad_(True), X2.clone().requires_grad_(True)

    relu = M.ReLU(); relu.forward(X1)
    (torch.relu(A) * G1).sum().backward()
    print("ReLU backward matches autograd:", torch.allclose(relu.backward(G1), A.grad))

    A.grad = None
    (A * G1 + A * G2).sum().backward()               # A used twice = a branch
    print("branch backward matches autograd:", torch.allclose(M.Branch().backward(G1, G2), A.grad))

    A.grad = None
    ((A + B) * G1).sum().backward()
    print("add backward matches autograd:", all(torch.allclose(g, r) for g, r in zip(M.Add().backward(G1), (A.grad, B.grad))))

    A.grad = B.grad = None
    mx = M.Max(); mx.forward(X1, X2)
    (torch.maximum(A, B) * G1).sum().backward()
    print("max backward matches autograd:", all(torch.allclose(g, r) for g, r in zip(mx.backward(G1), (A.grad, B.grad))))
    """, tags=CHECK),
    md(r"""
    ## 4 · A weight used twice gets the sum

    A branch hides inside every shared weight: a recurrent net uses $W_\text{rec}$ at every time step,
    a tied autoencoder uses $W$ twice. The gradient of a shared weight is the **sum** of the
    gradients of its uses. That is why `Param.accumulate` adds (`grad = grad + g`) instead of
    overwriting. Reused values are where hand-written backprop most often goes wrong (a
    "simplification" of micrograd's backward once broke exactly this case, micrograd issue #64).
    Below, the same $W$ and $b$ serve two Linear modules in series,
    $y = \mathrm{relu}(\mathrm{relu}(xW + b)W + b)$.
    """),
    code("show_source(M.Param)"),
    code("""
    W, b = M.Param(torch.randn(3, 3, dtype=torch.float64)), M.Param(torch.zeros(3, dtype=torch.float64))
    net = M.Sequential(M.Linear(3, 3, W=W, b=b), M.ReLU(), M.Linear(3, 3, W=W, b=b), M.ReLU())
    X, G = torch.randn(6, 3, dtype=torch.float64), torch.randn(6, 3, dtype=torch.float64)
    net.forward(X)
    dX = net.backward(G)

    Xa, Wa, ba = (t.clone().requires_grad_(True) for t in (X, W.value, b.value))
    (torch.relu(torch.relu(Xa @ Wa + ba) @ Wa + ba) * G).sum().backward()
    print("shared W: dC/dW (sum of both uses) matches autograd:", torch.allclose(W.grad, Wa.grad))
    print("shared W: dC/dX matches autograd:", torch.allclose(dX, Xa.grad))
    """, tags=CHECK),
    md(r"""
    ## 5 · The chain of Jacobians

    For one input row $x$ and a chain of modules $y = f_L(\dots f_2(f_1(x)))$, each module contributes
    its local Jacobian $J_k = \partial Y_k/\partial X_k$, and the whole Jacobian is their product,
    taken in the reverse order of the forward pass:

    $$\frac{\partial y}{\partial x} = J_L \cdots J_2\,J_1,\qquad
    \frac{\partial C}{\partial x} = \frac{\partial C}{\partial y}\,J_L\cdots J_1 . \tag{01.7}$$

    The Jacobians we need: Linear $J = W^\top$; ReLU $J = \mathrm{diag}(\mathbb 1[x>0])$; and the
    two heads of section 6. `jacobian_chain` builds the list and the product:
    """),
    code("show_source(M.jacobian_chain)"),
    md("A small net, 4 → 5 → 3 classes: Linear, ReLU, Linear, log-softmax. Print the chain, then compare the product with autograd's full Jacobian."),
    code("""
    net = M.Sequential(M.Linear(4, 5), M.ReLU(), M.Linear(5, 3), M.LogSoftmax())
    x = torch.randn(4, dtype=torch.float64)
    Js, product = M.jacobian_chain(net, x)
    print(net)
    print(M.format_chain(Js))
    full = torch.autograd.functional.jacobian(lambda v: net.forward(v[None])[0], x)
    print("product of the module Jacobians matches autograd's Jacobian:", torch.allclose(product, full))
    """, tags=CHECK),
    md("The same chain as heat maps (red positive, blue negative). The ReLU's Jacobian is a diagonal of 0s and 1s: every unit that is off cuts its path, and a net with many dead units passes little gradient."),
    code("""
    fig, axes = plt.subplots(1, 5, figsize=(11, 2.6), layout="constrained")
    bp_plots.plot_jacobian_chain(Js, product, axes=axes);
    """),
    md(r"""
    ## 6 · Softmax, log-softmax and cross-entropy

    **Softmax** turns scores into probabilities, $p_i = e^{x_i}/\sum_j e^{x_j}$. Its Jacobian is

    $$\frac{\partial p_i}{\partial x_j} = p_i(\delta_{ij} - p_j),\qquad J = \mathrm{diag}(p) - p\,p^\top,
    \qquad \frac{\partial C}{\partial X} = p \odot\Big(\frac{\partial C}{\partial Y} - \big\langle \tfrac{\partial C}{\partial Y}, p\big\rangle\Big). \tag{01.8}$$

    Its diagonal is $p_i(1-p_i)$, which **vanishes when $p_i$ is near 0 or 1** — whenever the net is
    confident, right *or wrong*.

    **Log-softmax** computes $\log p$ directly, $y_i = x_i - \log\sum_j e^{x_j}$, with Jacobian
    $\partial y_i/\partial x_j = \delta_{ij} - p_j$ — no factor $p(1-p)$. With the negative
    log-likelihood of the true class $y$ on top, the **cross-entropy**, the gradient on the logits is

    $$\frac{\partial C}{\partial x} = p - \mathrm{onehot}(y). \tag{01.9}$$

    When the net is confidently wrong ($p_y \approx 0$), the true logit gets $\approx -1$: a full-size
    push. The lecture shows the two-class case: $\log \sigma(s) = \log\frac{e^s}{e^s+1} = s - \log(1+e^s)$
    (01.10), whose softplus part $\log(1+e^s)$ is $\approx 0$ for very negative $s$ and $\approx s$ for
    very positive $s$ — so $\log\sigma(s)\approx s$ on the wrong side, slope 1, and it never saturates.
    """),
    code("show_source(M.Softmax)"),
    code("show_source(M.LogSoftmax)"),
    code("show_source(M.CrossEntropy)"),
    md("The three checks against autograd:"),
    code("""
    X, G = torch.randn(5, 4, dtype=torch.float64) * 3, torch.randn(5, 4, dtype=torch.float64)
    y = torch.tensor([0, 1, 2, 3, 1])
    sm, lsm, ce = M.Softmax(), M.LogSoftmax(), M.CrossEntropy()
    sm.forward(X); lsm.forward(X); ce.forward(X, y)

    A = X.clone().requires_grad_(True)
    (torch.softmax(A, -1) * G).sum().backward()
    print("softmax backward matches autograd:", torch.allclose(sm.backward(G), A.grad))
    A.grad = None
    (torch.log_softmax(A, -1) * G).sum().backward()
    print("log-softmax backward matches autograd:", torch.allclose(lsm.backward(G), A.grad))
    A.grad = None
    torch.nn.functional.cross_entropy(A, y, reduction="sum").backward()
    print("cross-entropy backward (p - onehot) matches autograd:", torch.allclose(ce.backward(), A.grad))
    """, tags=CHECK),
    md("The lecture's figure of the two-class form (01.10): the softplus part, $\\log\\sigma(s)$, and its slope $1-\\sigma(s)$, which is 1 on the wrong side."),
    code("""
    fig, ax = plt.subplots(figsize=(5.5, 3.2), layout="constrained")
    bp_plots.plot_log_sigmoid(ax=ax);
    """),
    md(r"""
    ### Three heads at large logits

    Now give a 3-class net logits where the true class has score 0 and the two others have score
    $m$, the **margin**: $m > 0$ means confidently wrong. We compare three ways of putting a loss on
    top, each built from the hand-written modules (`head_gradient`):

    * **softmax → log → NLL** — a separate `Log` module after `Softmax`;
    * **softmax → squared error** $\tfrac12\|p - \mathrm{onehot}(y)\|^2$;
    * **log-softmax + cross-entropy**, eq. (01.9).

    A subtlety the lecture glosses over: in exact arithmetic the separate log *cancels* softmax's
    $p(1-p)$ (the log contributes $1/p$) and gives $p - \mathrm{onehot}(y)$ too. Its failure is
    numerical: once $e^{-m}$ underflows (at $m \approx 745$ in float64, $m\approx 104$ in float32),
    $p_y$ is exactly 0, the loss is $\log 0 = -\infty$ and the gradient is $0\cdot\infty = $ NaN.
    The squared error has no $1/p$ to cancel the $p(1-p)$: its gradient really does vanish, like
    $e^{-m}$, long before anything underflows.
    """),
    code("show_source(M.head_gradient)"),
    md("The gradient on the true class's logit, $\\partial C/\\partial s_\\text{true}$, at a few margins (float64):"),
    code("""
    margins = [-10.0, 0.0, 10.0, 30.0, 100.0, 1000.0]
    logits, y = M.confident_logits(margins)
    grads = {h: M.head_gradient(logits, y, h)[1][:, 0] for h in M.HEADS}
    print(f"{'margin m':>9} | " + " | ".join(f"{h:>14}" for h in M.HEADS))
    for i, m in enumerate(margins):
        print(f"{m:9.0f} | " + " | ".join(f"{float(grads[h][i]) + 0.0:14.3g}" for h in M.HEADS))
    loss, g = M.head_gradient(logits, y, "log_softmax+ce")
    print("log-softmax + CE finite at m = 1000:", bool(torch.isfinite(loss).all() and torch.isfinite(g).all()))
    print("softmax -> log at m = 1000: loss", float(M.head_gradient(logits, y, "softmax+log")[0][-1]))
    """, tags=CHECK),
    md(r"""
    Read the table: log-softmax + cross-entropy gives $\approx -1$ whenever the net is wrong, at any
    margin; softmax → squared error gives $\approx 10^{-13}$ at $m = 30$ and exactly 0 at $m = 1000$
    — a confidently wrong net that gets **no** signal to change; softmax → log agrees with
    cross-entropy until $p_y$ underflows, then returns NaN.

    The whole picture, as a function of the margin (log scale on both axes; ▼ marks an exact 0,
    × a NaN):
    """),
    code("""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.4), layout="constrained")
    bp_plots.plot_head_gradients(dtype="float64", ax=axes[0])
    bp_plots.plot_head_gradients(dtype="float32", ax=axes[1]);
    """),
    md(r"""
    ## 7 · Slider: how confidently wrong?

    Drag the margin $m$ and watch the bars: the gradient on each logit for the three heads. Switch
    to float32 to see softmax → log break already at $m \approx 104$ (the precision most nets train
    in), and change the number of classes $K$. The button snaps back to $m = 0$, where the net is
    undecided and all three heads agree.
    """),
    code("""
    panel = head_gradient_panel(margin=30.0)
    panel
    """, tags=IGNORE),
    md(r"""
    ## 8 · Try it

    Each exercise has a stub to fill in and a check cell. The checkers compare your function with
    the modules above on fresh random inputs and print `Correct` or a hint.

    **1.** Write ReLU's backward: given the input `X` and the incoming gradient `dY`, return $\partial C/\partial X$ (eq. 01.3).
    """),
    code("""
    def relu_backward(X, dY):
        return None  # your code here
    """),
    code("exercises.check_relu_backward(relu_backward);"),
    solution("""
    def relu_backward(X, dY):
        # eq. (01.3): Y = max(0, X) passes the gradient where X > 0 (slope 1) and blocks it where X < 0
        return dY * (X > 0)

    ok = exercises.check_relu_backward(relu_backward)
    """),
    md("**2.** The gradient of add with respect to each input (eq. 01.5): return the pair `(dX1, dX2)`."),
    code("""
    def add_backward(dY):
        return None, None  # your code here
    """),
    code("exercises.check_add_backward(add_backward);"),
    solution("""
    def add_backward(dY):
        # eq. (01.5): dY/dX1 = dY/dX2 = identity, so each input receives all of dC/dY (no halving)
        return dY, dY

    ok = exercises.check_add_backward(add_backward)
    """),
    md("**3.** Branch (eq. 01.4): `X` was copied into `Y1` and `Y2`; return $\\partial C/\\partial X$."),
    code("""
    def branch_backward(dY1, dY2):
        return None  # your code here
    """),
    code("exercises.check_branch_backward(branch_backward);"),
    solution("""
    def branch_backward(dY1, dY2):
        # eq. (01.4): X reaches the cost along two paths; the chain rule adds their contributions
        return dY1 + dY2

    ok = exercises.check_branch_backward(branch_backward)
    """),
    md("**4.** Max (eq. 01.6): return `(dX1, dX2)` for $Y = \\max(X_1, X_2)$ elementwise."),
    code("""
    def max_backward(X1, X2, dY):
        return None, None  # your code here
    """),
    code("exercises.check_max_backward(max_backward);"),
    solution("""
    def max_backward(X1, X2, dY):
        # eq. (01.6): only the larger input moved Y, so only it gets dC/dY; the loser gets 0
        won = X1 > X2
        return dY * won, dY * ~won

    ok = exercises.check_max_backward(max_backward)
    """),
    md("**5.** $\\partial C/\\partial W$ of Linear in the row form $Y = XW + b$, given `X` of shape (B, 4) and `dY` of shape (B, 3). Mind the shape of $W$ (eq. 01.2r)."),
    code("""
    def linear_dW(X, dY):
        return None  # your code here
    """),
    code("exercises.check_linear_dW(linear_dW);"),
    solution("""
    def linear_dW(X, dY):
        # eq. (01.2r): Y = X W + b, so dC/dW[i, j] = sum over the batch of X[b, i] dY[b, j] = (Xᵀ dY)[i, j];
        # shapes (4, B) @ (B, 3) = (4, 3), the shape of W
        return X.T @ dY

    ok = exercises.check_linear_dW(linear_dW)
    """),
    md("**6.** Which head's gradient on the true logit goes to (exactly) 0 when the net is confidently wrong by $m = 1000$? Answer with one of `'softmax+log'`, `'softmax+mse'`, `'log_softmax+ce'`."),
    code("exercises.check_saturating_head('your answer');"),
    solution("""
    # Ask each head for its gradient on the true logit (column 0) at m = 1000, as in section 6:
    logits, y = M.confident_logits([1000.0])
    g_true = {h: float(M.head_gradient(logits, y, h)[1][0, 0]) for h in M.HEADS}
    # g_true: softmax+log NaN (0 · ∞), log_softmax+ce −1, softmax+mse exactly 0
    answer = [h for h, g in g_true.items() if g == 0.0][0]
    ok = exercises.check_saturating_head(answer)
    """),
    md(r"""
    ## 9 · The lecture's practical tricks, and where the rest of the lab picks them up

    The lecture closes with tricks for backprop: use **ReLU** (notebook 03 measures why); use
    **cross-entropy** on log-softmax, not softmax (section 6 above); minibatch SGD, shuffle the
    examples, normalise the inputs to mean 0 and standard deviation 1, decay the learning rate
    (notebook 02 for the optimizers); L1/L2 weight decay; **Kaiming initialisation**; dropout.
    One slip in the translation: it says Kaiming init makes the weights' *variance* inversely
    proportional to the *square root* of the fan-in. Kaiming (He et al., 2015) sets the
    **variance** to $2/n_\text{in}$ — the standard deviation is $\propto 1/\sqrt{n_\text{in}}$.
    `vglab.modules.Linear` draws $W \sim \mathcal N(0, 1/n_\text{in})$.

    The lecture's last remark: backprop is not limited to stacks of modules — it works on any
    directed acyclic graph, as the branch/add/max rules and the shared weight above show.

    ## Summary

    * Each module maps $\partial C/\partial Y$ to $\partial C/\partial X$ with a local rule: Linear
      multiplies by $W^\top$ (01.2), ReLU masks (01.3), a branch adds (01.4), add copies (01.5),
      max routes to the winner (01.6).
    * A weight used twice gets the sum of both gradients; the code accumulates.
    * The backward pass of a chain is the product of the module Jacobians, $J_L\cdots J_1$ (01.7);
      any small factor in it — a ReLU that is off, a saturated softmax — shrinks everything below.
    * Softmax's Jacobian carries $p(1-p)$ (01.8): softmax followed by a squared error loses the
      gradient exactly when the net is confidently wrong; softmax followed by a separate log breaks
      numerically (NaN) once $p$ underflows. Log-softmax with cross-entropy gives $p - \mathrm{onehot}(y)$
      (01.9), finite and full-size at any logit.

    ## Further reading

    * Seed 004: Y. LeCun, *Deep Learning* (NYU, 2020), week 2 practicum notes "Gradient computation
      and backprop shortcuts in NN modules", Turkish translation.
    * Y. LeCun, L. Bottou, G. Orr, K.-R. Müller, *Efficient BackProp*, in *Neural Networks: Tricks of
      the Trade*, 1998 — the lecture's source for the tricks.
    * I. Goodfellow, Y. Bengio, A. Courville, *Deep Learning*, MIT Press 2016, ch. 6.5
      (back-propagation and other differentiation algorithms).
    * K. He, X. Zhang, S. Ren, J. Sun, *Delving deep into rectifiers*, ICCV 2015 (Kaiming init).
    * Next: notebook 03 measures how saturating activations make these local factors small, layer by layer.
    """),
]

if __name__ == "__main__":
    build("notebooks/01_backprop_modules.ipynb", cells)
