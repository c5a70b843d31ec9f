"""Reference (NumPy) kernels of the 'conv' domain; twins of csrc/conv.pyx."""
__all__ = []
