"""Arrow <-> numpy conversions that never import pandas.

Topology layer, used where a topology is read and checked (the columnar reader, the
column and reference checks). pyarrow imports pandas, when it is installed, the first
time a Python or numpy value becomes an Arrow one: ``pa.array``, ``pa.scalar``, a
compute call given a Python number (``pc.less(column, 0.0)``), ``Array.to_numpy`` and
``np.asarray(array)`` all ask pandas whether the value is a Series first. Importing
pandas costs ~0.14 s and ~36 MB, more than the rest of ``resilience-sim validate`` of
a 10,000-node Parquet topology (docs/performance.md, "Topology input"). These helpers
go through the buffers instead (``pa.py_buffer``, ``Array.from_buffers``,
``np.frombuffer``), which pyarrow converts without asking pandas;
``tests/test_topology_checks_fast.py`` checks that reading and validating a topology
leaves pandas unimported.

Only the types the checks use are handled: booleans, fixed-width integers and floats,
and strings; anything else raises ``TypeError``.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

ArrowData = pa.Array | pa.ChunkedArray


def _chunks(values: ArrowData) -> list[pa.Array]:
    return list(values.chunks) if isinstance(values, pa.ChunkedArray) else [values]


def _bits(buffer: pa.Buffer | None, offset: int, length: int) -> np.ndarray:
    """``length`` bits of an Arrow bitmap from bit ``offset``, as numpy bool (all
    False for a missing buffer: an all-null array may have none)."""
    if buffer is None:
        return np.zeros(length, dtype=bool)
    start, stop = offset // 8, (offset + length + 7) // 8
    packed = np.frombuffer(buffer, dtype=np.uint8, count=stop - start, offset=start)
    bits = np.unpackbits(packed, bitorder="little")
    return bits[offset % 8 : offset % 8 + length].view(bool)


def _numpy_dtype(arrow_type: pa.DataType) -> np.dtype:
    if pa.types.is_integer(arrow_type):
        kind = "i" if pa.types.is_signed_integer(arrow_type) else "u"
        return np.dtype(f"{kind}{arrow_type.bit_width // 8}")
    if pa.types.is_floating(arrow_type):
        return np.dtype(f"f{arrow_type.bit_width // 8}")
    raise TypeError(f"no numpy view of Arrow type {arrow_type}")


def validity(values: ArrowData) -> np.ndarray:
    """Whether each value is non-null, as numpy bool (``pc.is_valid`` without pandas).

    Parameters
    ----------
    values : ArrowData
        An Arrow array or chunked array.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` bool.
    """
    parts = [
        np.ones(len(c), dtype=bool)
        if c.null_count == 0
        else _bits(c.buffers()[0], c.offset, len(c))
        for c in _chunks(values)
    ]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)


def bools(values: ArrowData, null: bool) -> np.ndarray:
    """A boolean Arrow array as numpy bool, nulls read as ``null``.

    Parameters
    ----------
    values : ArrowData
        A boolean Arrow array.
    null : bool
        The value read at nulls.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` bool.
    """
    if not pa.types.is_boolean(values.type):
        raise TypeError(f"expected booleans, got {values.type}")
    parts = []
    for c in _chunks(values):
        out = _bits(c.buffers()[1], c.offset, len(c)).copy()
        if c.null_count:
            out[~_bits(c.buffers()[0], c.offset, len(c))] = null
        parts.append(out)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)


def numbers(values: ArrowData) -> tuple[np.ndarray, np.ndarray]:
    """The values of a fixed-width numeric Arrow array and their validity, as numpy.

    The value at a null is whatever its slot holds: mask it with the validity.
    A single chunk is a zero-copy view.

    Parameters
    ----------
    values : ArrowData
        A fixed-width numeric Arrow array.

    Returns
    -------
    tuple[numpy.ndarray, numpy.ndarray]
        ``(values (n,), valid (n,) bool)``.
    """
    dtype = _numpy_dtype(values.type)
    parts = [
        np.frombuffer(c.buffers()[1], dtype=dtype, count=len(c), offset=c.offset * dtype.itemsize)
        if len(c) and c.buffers()[1] is not None
        else np.zeros(len(c), dtype=dtype)
        for c in _chunks(values)
    ]
    data = parts[0] if len(parts) == 1 else np.concatenate(parts or [np.zeros(0, dtype=dtype)])
    return data, validity(values)


def filled(values: ArrowData, fill: int | float, dtype: type = np.int64) -> np.ndarray:
    """A numeric Arrow array as a numpy array of ``dtype``, ``fill`` at the nulls.

    Parameters
    ----------
    values : ArrowData
        A numeric Arrow array.
    fill : int or float
        The value at nulls.
    dtype : type, default np.int64
        The numpy dtype of the result.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` values.
    """
    data, valid = numbers(values)
    out = data.astype(dtype, copy=True)
    out[~valid] = fill
    return out


def array(values: np.ndarray, arrow_type: pa.DataType) -> pa.Array:
    """A numpy array of numbers or booleans as an Arrow array of ``arrow_type``, no nulls.

    Parameters
    ----------
    values : numpy.ndarray
        ``(n,)`` numbers or booleans.
    arrow_type : pyarrow.DataType
        The Arrow type of the result.

    Returns
    -------
    pyarrow.Array
        The Arrow array.
    """
    n = len(values)
    if pa.types.is_boolean(arrow_type):
        packed = np.packbits(np.asarray(values, dtype=bool), bitorder="little")
        return pa.Array.from_buffers(arrow_type, n, [None, pa.py_buffer(packed)])
    data = np.ascontiguousarray(values, dtype=_numpy_dtype(arrow_type))
    return pa.Array.from_buffers(arrow_type, n, [None, pa.py_buffer(data)])


def strings(values: list[str], arrow_type: pa.DataType | None = None) -> pa.Array:
    """A list of Python strings as an Arrow ``string`` (or ``large_string``) array.

    Parameters
    ----------
    values : list[str]
        The strings.
    arrow_type : pyarrow.DataType or None, default None
        ``pa.string()`` or ``pa.large_string()`` (None: ``string``).

    Returns
    -------
    pyarrow.Array
        The Arrow array.
    """
    arrow_type = pa.string() if arrow_type is None else arrow_type
    if not (pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type)):
        raise TypeError(f"expected a string type, got {arrow_type}")
    encoded = [v.encode("utf-8") for v in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int32 if arrow_type == pa.string() else np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    data = pa.py_buffer(b"".join(encoded))
    return pa.Array.from_buffers(arrow_type, len(encoded), [None, pa.py_buffer(offsets), data])


def scalar(value: bool | int | float | str, arrow_type: pa.DataType | None = None) -> pa.Scalar:
    """A Python value as an Arrow scalar, of the type ``pa.scalar`` would infer
    (bool, int64, float64, string) unless ``arrow_type`` is given.

    Parameters
    ----------
    value : bool or int or float or str
        The value.
    arrow_type : pyarrow.DataType or None, default None
        The Arrow type (None: inferred).

    Returns
    -------
    pyarrow.Scalar
        The Arrow scalar.
    """
    if arrow_type is None:
        if isinstance(value, bool):
            arrow_type = pa.bool_()
        elif isinstance(value, int):
            arrow_type = pa.int64()
        elif isinstance(value, float):
            arrow_type = pa.float64()
        elif isinstance(value, str):
            arrow_type = pa.string()
        else:
            raise TypeError(f"no Arrow scalar for {type(value).__name__}")
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return strings([value], arrow_type)[0]
    return array(np.array([value]), arrow_type)[0]


__all__ = ["array", "bools", "filled", "numbers", "scalar", "strings", "validity"]
