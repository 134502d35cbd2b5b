"""dlcv.validate: one wording for bad arguments, and the value back as a plain int."""

import numpy as np
import pytest

from dlcv.errors import ConfigError
from dlcv.validate import int_in_range, non_negative_int, positive_int, positive_pair


@pytest.mark.parametrize("value", [1, 7, np.int64(3)])
def test_positive_int_returns_a_plain_int(value):
    assert positive_int(value, "n") == value and type(positive_int(value, "n")) is int


@pytest.mark.parametrize("value", [0, -2, 1.0, "2", True, None])
def test_positive_int_names_the_argument_and_what_it_must_be(value):
    with pytest.raises(ConfigError, match=rf"^n={value!r} must be a positive integer\.$"):
        positive_int(value, "n")


def test_non_negative_int_accepts_zero_only_as_well():
    assert non_negative_int(0, "steps") == 0
    with pytest.raises(ConfigError, match="steps=-1 must be a non-negative integer"):
        non_negative_int(-1, "steps")


@pytest.mark.parametrize(("value", "pair"), [(2, (2, 2)), ((1, 3), (1, 3)), ([4, 5], (4, 5))])
def test_positive_pair_from_one_int_or_two(value, pair):
    assert positive_pair(value, "stride") == pair


@pytest.mark.parametrize(
    ("value", "message"),
    [((1, 2, 3), "an int or a pair of ints"), ("2", "an int or a pair"), ((1, 0), "positive")],
)
def test_positive_pair_rejects_what_is_not_a_pair_of_positive_ints(value, message):
    with pytest.raises(ConfigError, match=message):
        positive_pair(value, "stride")


def test_int_in_range_gives_the_bounds():
    assert int_in_range(4, "stride", range(1, 5)) == 4
    for value in (0, 5, 2.0):
        with pytest.raises(ConfigError, match=rf"stride={value!r} must be in 1\.\.4\."):
            int_in_range(value, "stride", range(1, 5))
