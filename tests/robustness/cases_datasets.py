"""Bad-input cases for the datasets row (filled in below)."""
from __future__ import annotations
