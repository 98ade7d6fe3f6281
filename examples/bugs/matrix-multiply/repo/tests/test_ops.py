import pytest

from matrix.ops import add, determinant2, identity, multiply, shape, transpose


def test_shape_and_identity():
    assert shape([[1, 2, 3], [4, 5, 6]]) == (2, 3)
    assert identity(2) == [[1, 0], [0, 1]]
    with pytest.raises(ValueError):
        shape([[1, 2], [3]])


def test_transpose():
    assert transpose([[1, 2, 3], [4, 5, 6]]) == [[1, 4], [2, 5], [3, 6]]


def test_add():
    assert add([[1, 2]], [[10, 20]]) == [[11, 22]]
    with pytest.raises(ValueError):
        add([[1]], [[1, 2]])


def test_multiply_square():
    assert multiply([[1, 2], [3, 4]], [[5, 6], [7, 8]]) == [[19, 22], [43, 50]]


def test_multiply_matrix_by_column():
    assert multiply([[1, 2], [3, 4], [5, 6]], [[1], [1]]) == [[3], [7], [11]]


def test_multiply_shape_mismatch():
    with pytest.raises(ValueError):
        multiply([[1, 2]], [[1, 2]])


def test_determinant():
    assert determinant2([[3, 8], [4, 6]]) == -14
