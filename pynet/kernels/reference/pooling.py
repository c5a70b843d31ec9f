"""Reference (NumPy) kernels of the 'pooling' domain; twins of csrc/pooling.pyx."""
__all__ = []
