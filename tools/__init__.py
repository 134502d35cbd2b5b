"""Build and test tooling the book, its tests and the benchmarks share (not part of dlcv).

- :mod:`tools.chapters`: the book's chapters as notebooks, run in a fresh kernel with their
  peak memory measured, and the memory budget they must fit in;
- :mod:`tools.myst_to_jupyter`: a chapter as a notebook that Jupyter and Colab show as the page
  (glued values, listings, admonitions, exercises), with or without the solutions;
- :mod:`tools.book`: the strict build of the book (``make book``, ``make book-full``, the build
  benchmark), which first drops page outputs made with other dlcv sources;
- :mod:`tools.serving`: a folder served over HTTP on 127.0.0.1, quietly;
- :mod:`tools.deadline`: a time limit for a call that might hang (the hostile tests and fuzzer).

``REPOSITORY`` is the root of the checkout, the one place it is computed.
"""

from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
