"""Bad-input cases for the models row (filled in below)."""
from __future__ import annotations
