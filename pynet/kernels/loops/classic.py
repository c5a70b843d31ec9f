"""The classic learning rules written one scalar at a time, exactly as the texts state them.

Third witness in the tests (compiled == reference == these loops on small inputs) and the code a
learner can read beside the lecture notes' formulas. Same signatures as the kernels; no argument
checks beyond what the loops need. Slow on purpose.
"""
from __future__ import annotations

__all__ = ["widrow_hoff_epoch", "perceptron_epoch"]


def widrow_hoff_epoch(W, b, X, D, alpha):
    """Widrow–Hoff, per pattern: Yⱼ = Σᵢ wᵢⱼXᵢ − bⱼ; wᵢⱼ −= α(Yⱼ − dⱼ)Xᵢ; bⱼ += α(Yⱼ − dⱼ).

    Updates ``W`` (n, m) and ``b`` (m,) in place; returns E = ½ΣₚΣⱼ(Yⱼ − dⱼ)².
    """
    n, m = len(W), len(W[0])
    E = 0.0
    for p in range(len(X)):
        errors = []
        for j in range(m):
            S = 0.0
            for i in range(n):
                S += float(X[p][i]) * float(W[i][j])
            S -= float(b[j])                       # the threshold is subtracted
            Y = S                                  # linear neuron: Y = S
            errors.append(Y - float(D[p][j]))
        for j in range(m):
            E += 0.5 * errors[j] ** 2
            for i in range(n):
                W[i][j] -= alpha * errors[j] * float(X[p][i])
            b[j] += alpha * errors[j]              # + because ∂S/∂b = −1
    return E


def perceptron_epoch(W, b, X, T, eta):
    """Rosenblatt: y = [Σᵢ wᵢⱼxᵢ + bⱼ > 0]; wᵢⱼ += η(tⱼ − yⱼ)xᵢ; bⱼ += η(tⱼ − yⱼ).

    Updates ``W`` and ``b`` in place; returns the number of wrong outputs seen.
    """
    n, m = len(W), len(W[0])
    mistakes = 0
    for p in range(len(X)):
        outputs = []
        for j in range(m):
            z = float(b[j])
            for i in range(n):
                z += float(W[i][j]) * float(X[p][i])
            outputs.append(1.0 if z > 0 else 0.0)
        for j in range(m):
            err = float(T[p][j]) - outputs[j]
            if err != 0.0:
                mistakes += 1
                for i in range(n):
                    W[i][j] += eta * err * float(X[p][i])
                b[j] += eta * err
    return mistakes
