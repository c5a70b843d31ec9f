"""``from pynet.sequential import Sequential`` — kept for the lessons and for readers of the
earlier layout. The model house now lives in :mod:`pynet.models` (``Model``, ``Sequential``, the
functional API, the training loop, saving); this module re-exports its public names."""
from pynet.models import (Model, NotCompiledError, Sequential, TrainingDiverged, load_model,
                          model_from_json)

__all__ = ["Sequential", "Model", "load_model", "model_from_json", "TrainingDiverged",
           "NotCompiledError"]
