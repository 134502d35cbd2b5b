"""The book's interactive figures: the HTML a page emits, and what a script in the page needs.

- :mod:`dlcv.widgets.explorer`: the convolution explorer (``book/_static/widgets/conv-explorer.js``)
  and its static counterparts for the printed page;
- :mod:`dlcv.widgets.container`: the one container both emit (:class:`WidgetHTML`), styled by
  ``book/_static/widgets/widgets.css`` where they share a look;
- :mod:`dlcv.widgets.live_digit`: the MNIST convnet exported for the reader's browser
  (``book/_static/widgets/live-digit.js``).
"""
