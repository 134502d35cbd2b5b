"""dlcv.widgets.container: the one container both widgets emit."""

from __future__ import annotations

from dlcv.widgets.container import WHERE_IT_RUNS, WidgetHTML, widget_container


def test_container_carries_escaped_data_attributes_and_a_note_on_where_it_runs():
    widget = widget_container("conv-explorer", "convolution explorer",
                              {"data-caption": 'A <b> "quoted"', "data-stride": 2}, "It slides.")

    assert isinstance(widget, WidgetHTML)
    markup = widget._repr_html_()
    assert markup.startswith('<div class="dlcv-widget conv-explorer" ')
    assert 'data-caption="A &lt;b&gt; &quot;quoted&quot;"' in markup
    assert 'data-stride="2"' in markup
    note = f"It slides. {WHERE_IT_RUNS}"
    assert f'<p class="dlcv-widget__fallback conv-explorer__fallback">{note}</p>' in markup
    assert str(widget) == markup
    assert repr(widget) == f"<convolution explorer: {len(markup):,} characters of HTML>"
