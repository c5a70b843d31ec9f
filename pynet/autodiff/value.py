"""A scalar reverse-mode engine that fits on a page (the first step; :mod:`.tensor` is the second).

Every :class:`Value` remembers the values it was computed from (``parents``) and a function
``_backward`` that, given this node's gradient ``dL/dself``, adds its share to each parent's
gradient: the chain rule, ``dL/dparent += dL/dself · dself/dparent``. ``loss.backward()`` visits
the graph once in reverse topological order, so every node's gradient is complete before it is
passed on. Each operation's derivative sits right beside its forward computation::

    >>> x = Value(2.0); w = Value(-3.0); b = Value(1.0)
    >>> y = (w * x + b).tanh()
    >>> y.backward()
    >>> round(x.grad, 6)            # dy/dx = (1 − tanh²(−5)) · w
    -0.000545
"""
from __future__ import annotations

import math

__all__ = ["Value"]


class Value:
    """A scalar in a computational graph, with its gradient ``grad = dL/dvalue``."""

    __slots__ = ("data", "grad", "parents", "op", "label", "_backward")

    def __init__(self, data, parents=(), op="", label=""):
        self.data = float(data)
        self.grad = 0.0
        self.parents = tuple(parents)
        self.op = op
        self.label = label
        self._backward = lambda: None

    def __repr__(self):
        name = f"{self.label}=" if self.label else ""
        return f"Value({name}{self.data:.6g}, grad={self.grad:.6g})"

    # -- operations: forward, then the local derivative ------------------------------------------
    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():                      # d(a + b)/da = 1, d(a + b)/db = 1
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "×")

        def _backward():                      # d(ab)/da = b, d(ab)/db = a
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __pow__(self, k):
        if not isinstance(k, (int, float)):
            raise TypeError(f"Value ** k: k must be an int or float constant, got {type(k).__name__}")
        out = Value(self.data ** k, (self,), f"**{k:g}")

        def _backward():                      # d(aᵏ)/da = k aᵏ⁻¹
            self.grad += k * self.data ** (k - 1) * out.grad
        out._backward = _backward
        return out

    def exp(self):
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():                      # d(eᵃ)/da = eᵃ
            self.grad += out.data * out.grad
        out._backward = _backward
        return out

    def log(self):
        if self.data <= 0:
            raise ValueError(f"Value.log(): the argument must be positive, got {self.data}")
        out = Value(math.log(self.data), (self,), "log")

        def _backward():                      # d(ln a)/da = 1/a
            self.grad += out.grad / self.data
        out._backward = _backward
        return out

    def tanh(self):
        out = Value(math.tanh(self.data), (self,), "tanh")

        def _backward():                      # d tanh(a)/da = 1 − tanh²(a)
            self.grad += (1.0 - out.data ** 2) * out.grad
        out._backward = _backward
        return out

    def relu(self):
        out = Value(self.data if self.data > 0 else 0.0, (self,), "relu")

        def _backward():                      # d relu(a)/da = [a > 0]
            self.grad += (out.data > 0) * out.grad
        out._backward = _backward
        return out

    def sigmoid(self):
        s = 1.0 / (1.0 + math.exp(-self.data)) if self.data >= 0 else \
            math.exp(self.data) / (1.0 + math.exp(self.data))     # never overflows
        out = Value(s, (self,), "σ")

        def _backward():                      # dσ(a)/da = σ(a)(1 − σ(a))
            self.grad += s * (1.0 - s) * out.grad
        out._backward = _backward
        return out

    # -- the rest is built from the operations above ---------------------------------------------
    def __neg__(self):
        return self * -1

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return other + (-self)

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        return self * (other ** -1 if isinstance(other, Value) else 1.0 / other)

    def __rtruediv__(self, other):
        return other * self ** -1

    # -- reverse mode ------------------------------------------------------------------------------
    def topological_order(self):
        """Every node this value depends on, each after all of its parents (iterative DFS)."""
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((p, False) for p in node.parents if id(p) not in seen)
        return order

    def backward(self):
        """Fill ``grad`` of every node in the graph with ``d self / d node`` (self.grad = 1).

        Gradients accumulate (``+=``), as in PyTorch: set them to zero between steps
        (:meth:`zero_grad`).
        """
        order = self.topological_order()
        self.grad = 1.0
        for node in reversed(order):
            node._backward()

    def zero_grad(self):
        """Set ``grad = 0`` on this node and everything it depends on."""
        for node in self.topological_order():
            node.grad = 0.0
