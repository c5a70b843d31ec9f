"""Models: the house every model lives in.

* :class:`Model` (``model.py``) — compile / fit / evaluate / predict / train_on_batch /
  summary / save / weights, written once; the functional ``Model(inputs, outputs)``.
* :class:`Sequential` (``sequential.py``) — a straight-line graph grown with ``add``.
* :func:`Input`, symbolic tensors and the layer graph (``graph.py``).
* the checks of the data (``data.py``), per-output compile settings (``compile_utils.py``), the
  training loop (``training.py``), diagnosis and gradient checks (``diagnosis.py``), saving
  (``saving.py``), the summary and ``plot_model`` (``summary.py``), ``Lambda`` and custom layers
  (``custom.py``).
"""
from pynet.models.graph import Input, InputLayer, SymbolicTensor, GraphError
from pynet.models.diagnosis import TrainingDiverged, NotCompiledError
from pynet.models.model import Model
from pynet.models.sequential import Sequential
from pynet.models.custom import Lambda, NoGradientError
from pynet.models.saving import load_model, model_from_json
from pynet.models.summary import plot_model, text_diagram

__all__ = ["Model", "Sequential", "Input", "InputLayer", "SymbolicTensor", "GraphError",
           "TrainingDiverged", "NotCompiledError", "Lambda", "NoGradientError", "load_model",
           "model_from_json", "plot_model", "text_diagram"]
