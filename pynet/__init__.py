"""pynet: neural networks from the classic texts, readable line by line, with a measured hot path.

Subpackages
-----------
pynet.kernels    compute kernels; ``pynet.kernels.BACKEND`` says which backend is active
pynet.classic    perceptron, logic gates and adder, formal neuron, XOR net, Widrow–Hoff
pynet.backprop   Rashid's three-layer net, Nielsen's network, the lecture notes' multilayer net
pynet.layers     the Keras-like layer API (with pynet.sequential, losses, optimizers, ...)
pynet.datasets   MNIST (embedded subset), Fashion-MNIST, IDX and CSV readers, own digits
"""
__version__ = "0.1.0"

from pynet import _blas_spin

_blas_spin.prepare()   # before SciPy's OpenBLAS loads: see pynet/_blas_spin.py
