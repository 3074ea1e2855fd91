"""Arrow <-> numpy without pandas (topology/arrow_np.py): pyarrow's own answers.

Every helper is compared with the pyarrow call it stands in for (``to_numpy``,
``fill_null``, ``pa.array``, ``pa.scalar``), on arrays with nulls, on slices whose
offset is not a whole byte of the validity bitmap, on chunked arrays and on empty ones.
That they leave pandas unimported is checked where it matters, on the validate
command (tests/test_topology_checks_fast.py).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from resilience_sim.topology import Link, Node, arrow_np
from resilience_sim.topology.table import _to_arrow_value, column_type, default_column

FLOATS = pa.array([1.5, None, -2.0, 3.25, None, 0.0, 7.0, None, 9.5, 10.0, None, -1.0])
INTS = pa.array([3, None, -7, 2**31 - 1, 0, None, 5, 6, 7, None, 11, 12], type=pa.int64())
BOOLS = pa.array([True, None, False, True, True, None, False, False, True, None, True, False])


def _cases(array: pa.Array) -> list:
    """The array, slices at odd offsets, a chunked array of slices, an empty slice."""
    return [
        array,
        array.slice(3),
        array.slice(5, 6),
        pa.chunked_array([array.slice(1, 4), array.slice(7)]),
        pa.chunked_array([], type=array.type),
        array.slice(4, 0),
    ]


NUMBERS = [FLOATS, FLOATS.cast("float32"), INTS, INTS.cast(pa.int32())]
NUMBERS.append(INTS.cast(pa.uint8(), safe=False))  # wrapped around: any bytes will do


@pytest.mark.parametrize("array", NUMBERS)
def test_numbers_and_validity_are_pyarrows(array):
    for values in _cases(array):
        data, valid = arrow_np.numbers(values)
        expected_valid = np.asarray(pc.is_valid(values).to_pylist(), dtype=bool)
        assert valid.tolist() == expected_valid.tolist()
        assert data.dtype == np.dtype(values.type.to_pandas_dtype())
        assert data[valid].tolist() == [v for v in values.to_pylist() if v is not None]
        assert arrow_np.validity(values).tolist() == expected_valid.tolist()


def test_filled_is_fill_null():
    for values in _cases(INTS):
        expected = pc.fill_null(values, -1).to_pylist()
        assert arrow_np.filled(values, -1, np.int64).tolist() == expected


@pytest.mark.parametrize("null", [True, False])
def test_bools_are_fill_null(null):
    for values in _cases(BOOLS):
        assert arrow_np.bools(values, null=null).tolist() == pc.fill_null(values, null).to_pylist()


def test_all_null_arrays():
    assert arrow_np.numbers(pa.nulls(4, pa.float64()))[1].tolist() == [False] * 4
    assert arrow_np.bools(pa.nulls(3, pa.bool_()), null=True).tolist() == [True] * 3


@pytest.mark.parametrize(
    ("values", "arrow_type"),
    [
        (np.array([4, -1, 0, 2**50]), pa.int64()),
        (np.array([4, 9, 0]), pa.int32()),
        (np.array([0.5, -1e300, np.inf]), pa.float64()),
        (np.array([True, False, True, True, False, False, True, True, False]), pa.bool_()),
        (np.zeros(0, dtype=np.int64), pa.int64()),
    ],
)
def test_array_is_pa_array(values, arrow_type):
    got = arrow_np.array(values, arrow_type)
    assert got.equals(pa.array(values, type=arrow_type))
    got.validate(full=True)


@pytest.mark.parametrize("arrow_type", [pa.string(), pa.large_string()])
def test_strings_are_pa_array(arrow_type):
    values = ["exchange", "", "Nuku'alofa", "東京", "a b"]
    got = arrow_np.strings(values, arrow_type)
    assert got.equals(pa.array(values, type=arrow_type))
    got.validate(full=True)
    assert arrow_np.strings([]).equals(pa.array([], type=pa.string()))


@pytest.mark.parametrize("value", [True, False, 0, -3, 2**52, 0.0, -90.5, 1e-300, "x", ""])
def test_scalar_is_pa_scalar(value):
    got = arrow_np.scalar(value)
    assert got.equals(pa.scalar(value)) and got.type == pa.scalar(value).type
    assert arrow_np.scalar(value, pa.string() if isinstance(value, str) else pa.float64()).equals(
        pa.scalar(value, pa.string() if isinstance(value, str) else pa.float64())
    )


def test_unsupported_types_are_refused():
    with pytest.raises(TypeError):
        arrow_np.numbers(pa.array(["a"]))
    with pytest.raises(TypeError):
        arrow_np.bools(pa.array([1]), null=True)
    with pytest.raises(TypeError):
        arrow_np.scalar(None)
    with pytest.raises(TypeError):
        arrow_np.strings(["a"], pa.int64())


@pytest.mark.parametrize(
    ("model", "name"),
    [(m, name) for m in (Node, Link) for name, info in m.model_fields.items()],
)
def test_default_columns_are_the_repeated_default(model, name):
    """``default_column`` (built without pa.scalar) is the default repeated, as before."""
    info = model.model_fields[name]
    ct = column_type(info.annotation)
    got = default_column(model, name, 3)
    if info.is_required():
        assert got.equals(pa.nulls(3, ct.arrow))
        return
    value = info.default_factory() if info.default_factory is not None else info.default
    expected = pa.repeat(pa.scalar(_to_arrow_value(value, ct), type=ct.arrow), 3)
    assert got.type == ct.arrow and got.equals(expected)
