"""Data sets of the book, each with an offline sample: ``load_mnist``, ``prepare_cats_vs_dogs``,
``load_cats_vs_dogs``. Every loader returns the data and ``info``: where it came from."""

from dlcv.data.cats_vs_dogs import CatsVsDogsData, load_cats_vs_dogs, prepare_cats_vs_dogs
from dlcv.data.mnist import MnistData, load_mnist
from dlcv.data.provenance import provenance_note, runs_note

__all__ = [
    "CatsVsDogsData",
    "MnistData",
    "load_cats_vs_dogs",
    "load_mnist",
    "prepare_cats_vs_dogs",
    "provenance_note",
    "runs_note",
]
