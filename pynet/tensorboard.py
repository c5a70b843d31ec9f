"""A small TensorBoard event-file writer: scalars, histograms and a graph, readable by
``tensorboard --logdir LOGDIR``.

::

    from pynet.tensorboard import FileWriter
    with FileWriter("logs/run1") as writer:
        for epoch, loss in enumerate(losses):
            writer.add_scalar("loss", loss, epoch)
        writer.add_histogram("dense_1/kernel", kernel, step=epoch)

The records are TensorBoard's own protocol buffers, written by the ``tensorboard`` package's
``EventFileWriter`` to ``LOGDIR/events.out.tfevents.<time>.<host>``. The ``tensorboard`` package
is optional for the rest of pynet: this module needs it (``pip install tensorboard``) and says so
when it is missing.
"""
from __future__ import annotations

import os
import time

import numpy as np
from pynet import _validate as validate

__all__ = ["FileWriter", "tensorboard_available"]

_MISSING = ("pynet.tensorboard needs the 'tensorboard' package to write event files; install it "
            "with `pip install tensorboard`")


def _protos():
    try:
        from tensorboard.compat.proto import event_pb2, graph_pb2, node_def_pb2, summary_pb2
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
    except ImportError as exc:
        raise ImportError(f"{_MISSING} ({exc})") from exc
    return event_pb2, graph_pb2, node_def_pb2, summary_pb2, EventFileWriter


def tensorboard_available() -> bool:
    """True when the ``tensorboard`` package imports."""
    try:
        _protos()
    except ImportError:
        return False
    return True


def _check_tag(tag, where):
    if not isinstance(tag, str) or not tag:
        raise ValueError(f"{where}: tag must be a non-empty string, got {tag!r}")


def _check_step(step, where):
    return validate.nonnegative_int(where, "step", step)


class FileWriter:
    """Writes one event file in ``logdir`` (created if needed).

    Parameters
    ----------
    logdir : str or path
        The run's folder; point ``tensorboard --logdir`` at it or at its parent.
    max_queue : int
        Records kept in memory before they are written.
    flush_secs : float
        The longest a record waits in memory.
    filename_suffix : str
        Appended to the event file's name.
    """

    def __init__(self, logdir, max_queue=10, flush_secs=120, filename_suffix=""):
        (self._event_pb2, self._graph_pb2, self._node_def_pb2, self._summary_pb2,
         writer_class) = _protos()
        logdir = os.fspath(logdir)
        if not logdir:
            raise ValueError("FileWriter: logdir must be a folder name, got an empty string")
        os.makedirs(logdir, exist_ok=True)
        self.logdir = logdir
        self._writer = writer_class(logdir, max_queue, flush_secs, filename_suffix)
        self.closed = False

    @property
    def path(self) -> str:
        """The event file being written."""
        return os.fspath(self._writer._file_name)

    def _write(self, step, **fields):
        if self.closed:
            raise RuntimeError("FileWriter: this writer is closed")
        self._writer.add_event(self._event_pb2.Event(wall_time=time.time(), step=step, **fields))

    def add_scalar(self, tag: str, value, step: int = 0) -> None:
        """One point of the curve ``tag`` (shown under TensorBoard's Scalars tab)."""
        _check_tag(tag, "add_scalar()")
        step = _check_step(step, "add_scalar()")
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"add_scalar(): value must be a number, got {value!r}") from None
        summary = self._summary_pb2.Summary(
            value=[self._summary_pb2.Summary.Value(tag=tag, simple_value=value)])
        self._write(step, summary=summary)

    def add_histogram(self, tag: str, values, step: int = 0, bins: int = 30) -> None:
        """The distribution of ``values`` (any shape; NaN/Inf refused) at ``step``
        (TensorBoard's Histograms and Distributions tabs)."""
        _check_tag(tag, "add_histogram()")
        step = _check_step(step, "add_histogram()")
        arr = np.asarray(values, dtype=np.float64).ravel()
        if arr.size == 0:
            raise ValueError(f"add_histogram(): values for {tag!r} are empty")
        if not np.isfinite(arr).all():
            raise ValueError(f"add_histogram(): values for {tag!r} contain NaN or Inf")
        counts, edges = np.histogram(arr, bins=bins)
        histo = self._summary_pb2.HistogramProto(
            min=float(arr.min()), max=float(arr.max()), num=float(arr.size),
            sum=float(arr.sum()), sum_squares=float(np.dot(arr, arr)),
            bucket_limit=[float(e) for e in edges[1:]], bucket=[float(c) for c in counts])
        summary = self._summary_pb2.Summary(
            value=[self._summary_pb2.Summary.Value(tag=tag, histo=histo)])
        self._write(step, summary=summary)

    def add_graph(self, nodes) -> None:
        """A dataflow graph for the Graphs tab: ``nodes`` is a list of dicts
        ``{"name": str, "op": str, "inputs": [names]}``."""
        graph = self._graph_pb2.GraphDef()
        for i, n in enumerate(nodes):
            try:
                graph.node.append(self._node_def_pb2.NodeDef(
                    name=str(n["name"]), op=str(n["op"]), input=[str(x) for x in n.get("inputs", ())]))
            except (KeyError, TypeError):
                raise ValueError(f"add_graph(): nodes[{i}] must be a dict with 'name' and 'op', "
                                 f"got {n!r}") from None
        self._write(0, graph_def=graph.SerializeToString())

    def flush(self) -> None:
        """Write everything queued so far."""
        self._writer.flush()

    def close(self) -> None:
        """Flush and close the file (further writes raise)."""
        if not self.closed:
            self._writer.close()
            self.closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:   # noqa: BLE001 - never raise from a finaliser
            pass
