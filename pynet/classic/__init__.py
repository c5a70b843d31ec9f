"""The texts' first models, small and exact on their worked examples.

perceptron     Perceptron (Nielsen Eq. 1, bias = −threshold) and Rosenblatt's rule
logic_gates    NAND from one perceptron; NOT, AND, OR, XOR and printable NAND circuits
binary_adder   half adder, full adder, n-bit ripple-carry adder of NAND perceptrons
formal_neuron  S = Σ wX − b, Y = F(S), the activations of the lecture notes; weight matrix
xor_network    the lecture notes' hand-wired threshold net for XOR
delta_rule     Widrow–Hoff single-layer linear network (steps 1–6, Em, divergence check)

The lecture notes' multilayer algorithm is in :mod:`pynet.backprop.multilayer`.
"""
from .binary_adder import add_bits, from_bits, full_adder, half_adder, ripple_carry_adder, to_bits
from .delta_rule import DeltaRule, ErrorHistory, TrainingDiverged
from .formal_neuron import (
    ConnectionMatrix, FormalNeuron, Identity, LinearThreshold, Sigmoid, Tanh, Threshold,
    get_activation,
)
from .logic_gates import AND, NAND, NOT, OR, XOR, Circuit
from .perceptron import ConvergenceWarning, Perceptron, PerceptronFit, is_linearly_separable
from .xor_network import XORNetwork, XORTrace

__all__ = [
    "Perceptron", "PerceptronFit", "ConvergenceWarning", "is_linearly_separable",
    "NAND", "NOT", "AND", "OR", "XOR", "Circuit",
    "half_adder", "full_adder", "ripple_carry_adder", "add_bits", "to_bits", "from_bits",
    "FormalNeuron", "Threshold", "LinearThreshold", "Sigmoid", "Tanh", "Identity",
    "get_activation", "ConnectionMatrix",
    "XORNetwork", "XORTrace",
    "DeltaRule", "ErrorHistory", "TrainingDiverged",
]
