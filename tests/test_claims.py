import pytest

from dlcv.claims import ClaimError, claim
from dlcv.errors import DlcvError


def test_a_true_claim_passes_silently():
    assert claim(True, "anything") is None


def test_a_false_claim_fails_and_quotes_the_sentence():
    with pytest.raises(ClaimError, match='says "the best epoch comes before the last"'):
        claim(3 < 2, "the best epoch comes before the last")


def test_claim_errors_are_dlcv_errors_and_assertions():
    assert issubclass(ClaimError, DlcvError) and issubclass(ClaimError, AssertionError)
