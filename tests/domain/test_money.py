"""Money arithmetic: floor shares, exact largest-remainder allocation, formatting."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.money import allocate, discount, format_fen, proportional, share


def test_share_floors():
    assert share(19900, 1000) == 1990
    assert share(999, 300) == 29
    assert share(0, 5000) == 0


def test_tier_discount_of_the_loyalty_worked_example():
    assert discount(19900, 9800) == 398
    assert discount(11800, 9800) == 236


def test_allocation_of_the_loyalty_worked_example():
    assert allocate(2000, [19502, 11564]) == [1256, 744]
    assert allocate(5000, [18246, 10820]) == [3139, 1861]


def test_allocation_ties_go_to_the_earlier_line():
    assert allocate(1, [1, 1, 1]) == [1, 0, 0]
    assert allocate(2, [1, 1, 1]) == [1, 1, 0]


def test_allocation_refuses_impossible_input():
    with pytest.raises(ValueError):
        allocate(5, [0, 0])
    with pytest.raises(ValueError):
        allocate(-1, [1])
    assert allocate(0, [0, 0]) == [0, 0]


def test_proportional_refund_share():
    assert proportional(3980, 19900, 39800) == 1990
    with pytest.raises(ValueError):
        proportional(1, 1, 0)


def test_format():
    assert format_fen(1234) == "¥12.34"
    assert format_fen(5) == "¥0.05"
    assert format_fen(-1000) == "-¥10.00"


@given(
    total=st.integers(min_value=0, max_value=10**9),
    weights=st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=50),
)
def test_allocations_add_up_exactly_and_stay_within_one_fen_of_the_ideal(total, weights):
    if sum(weights) == 0:
        total = 0
    parts = allocate(total, weights)

    assert sum(parts) == total
    assert all(p >= 0 for p in parts)
    weight_sum = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        if weight_sum:
            assert abs(part * weight_sum - total * weight) < weight_sum
        if weight == 0:
            assert part == 0
