"""The site's layout in Chromium, after `make book`: at a desktop's, a tablet's and a phone's
width, and in print.

- The sidebar toggles open (and close) the sidebars, and the theme shows no second header.
- Nothing is wider than the page: the body, code blocks and tables of every page fit.
- The titles of the MNIST image grids are legible: their rendered height, the title's size in
  the PNG times the rendered image's width over its natural width.
- In print, code wraps at the margin and collapsed content (hidden cells, solutions) prints.
- Every page shows the edition banner and the footer's version and licences; Live code says so
  when Thebe cannot load.
"""

from __future__ import annotations

import re
import time

import numpy as np
import pytest

from dlcv import viz
from tools.chapters import pages

pytestmark = [pytest.mark.site, pytest.mark.browser]

PAGES = pages()
WIDTHS = {"desktop": 1440, "tablet": 1024, "phone": 390}
FIGURE_DPI = 110  # dlcv._figure_png


@pytest.fixture
def sized_page(browser, console_errors):
    """A function that opens a page of the site at a given viewport width."""
    contexts = []

    def open_at(url: str, width: int, height: int = 900, **options):
        context = browser.new_context(viewport={"width": width, "height": height}, **options)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: console_errors.append(f"exception: {error}"))
        response = page.goto(url)
        assert response is not None and response.ok, f"{url}: {response and response.status}"
        page.wait_for_load_state("networkidle")
        return page

    yield open_at
    for context in contexts:
        context.close()


VISIBLE = """selector => [...document.querySelectorAll(selector)].some(element => {
    const box = element.getBoundingClientRect();
    const style = getComputedStyle(element);
    return box.width > 0 && box.height > 0 && style.visibility !== "hidden"
        && box.right > 0 && box.left < innerWidth && Number(style.opacity) > 0;
})"""


def visible(page, selector: str) -> bool:
    return page.evaluate(VISIBLE, selector)


def wait_until_visible(page, selector: str, shown: bool = True) -> None:
    """Waits (up to Playwright's 30 s) for ``selector`` to be shown, or hidden: a transition
    takes as long as a loaded machine makes it take."""
    check = VISIBLE if shown else f"selector => !({VISIBLE})(selector)"
    page.wait_for_function(check, arg=selector)


# --- The sidebars ---------------------------------------------------------------------------


@pytest.mark.parametrize("width", [WIDTHS["desktop"], WIDTHS["phone"]])
def test_the_primary_sidebar_toggle_opens_and_closes_it(
    sized_page, site_url, console_errors, width
):
    # Wide screens show the chapters beside the text and the toggle hides them; narrow ones
    # hide them and the toggle opens them in a dialog (#pst-primary-sidebar-modal).
    page = sized_page(f"{site_url}book/pooling.html", width)
    sidebar = "#pst-primary-sidebar, #pst-primary-sidebar-modal[open]"
    shown_at_first = visible(page, sidebar)
    assert shown_at_first == (width >= 992), "shown on a wide screen, hidden on a phone"

    page.locator(".header-article-items .primary-toggle").click()
    wait_until_visible(page, sidebar, shown=not shown_at_first)  # after the theme's transition
    if not shown_at_first:  # the phone's table of contents: every chapter can be reached
        link = page.locator("#pst-primary-sidebar-modal a.reference.internal", has_text="Dropout")
        assert link.first.is_visible()
        link.first.click()
        page.wait_for_load_state()
        assert page.url.endswith("book/dropout.html")
    assert console_errors == []


@pytest.mark.parametrize("width", [WIDTHS["tablet"], WIDTHS["phone"]])
def test_the_secondary_sidebar_toggle_opens_the_page_contents(
    sized_page, site_url, console_errors, width
):
    page = sized_page(f"{site_url}book/pooling.html", width)
    contents = "#pst-secondary-sidebar-modal[open] nav.page-toc"
    assert not visible(page, "#pst-secondary-sidebar, " + contents)

    page.locator(".header-article-items .secondary-toggle").click()
    wait_until_visible(page, contents)
    assert page.locator(contents + " a", has_text="Max pooling").first.is_visible()
    assert console_errors == []


def test_the_page_contents_are_shown_beside_the_text_on_a_wide_screen(sized_page, site_url):
    page = sized_page(f"{site_url}book/pooling.html", WIDTHS["desktop"])
    assert visible(page, "#pst-secondary-sidebar nav.page-toc")


@pytest.mark.parametrize("width", [WIDTHS["desktop"], WIDTHS["phone"]])
def test_no_empty_header_and_one_search_field(sized_page, site_url, width):
    page = sized_page(f"{site_url}book/pooling.html", width)
    assert page.locator("#pst-header").count() == 0 or not visible(page, "#pst-header")
    assert page.evaluate(
        """() => [...document.querySelectorAll('.search-button-field')]
            .filter(field => field.getBoundingClientRect().width > 0).length"""
    ) <= 1


# --- Nothing wider than the page -------------------------------------------------------------

OVERFLOW = """(phone) => {
    const wider = element => element.scrollWidth > element.clientWidth + 1;
    const describe = element => `${element.tagName.toLowerCase()}.${element.className}`.slice(0, 60)
        + ` (${element.scrollWidth} > ${element.clientWidth}): `
        + (element.textContent || "").trim().slice(0, 50);
    const found = [];
    const root = document.scrollingElement;
    if (root.scrollWidth > root.clientWidth + 1) {
        found.push(`page (${root.scrollWidth} > ${root.clientWidth})`);
    }
    for (const element of document.querySelectorAll(
            ".bd-article pre, .bd-article table, .bd-article .pst-scrollable-table-container, "
            + ".bd-article .highlight, .bd-article .cell_output, .bd-article h1, "
            + ".bd-article h2")) {
        // On a phone a table of many columns may scroll inside its own box (the theme's
        // scrollable container): the page itself must still not (checked above).
        // So may a table drawn in box characters (Rich's, model.summary()): wrapped, it would
        // fall apart.
        const box = element.closest(".pst-scrollable-table-container, .output.text_html pre");
        const scrollsInItsBox = phone && box && getComputedStyle(box).overflowX === "auto";
        if (element.getBoundingClientRect().width > 0 && wider(element) && !scrollsInItsBox) {
            found.push(describe(element));
        }
    }
    return found;
}"""


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_nothing_is_wider_than_the_page(sized_page, site_url, width):
    overflowing = {}
    page = sized_page(f"{site_url}{PAGES[0]}.html", width)
    for docname in PAGES:  # one tab, page after page: a new context per page costs a second
        if not page.url.endswith(f"/{docname}.html"):
            response = page.goto(f"{site_url}{docname}.html")
            assert response is not None and response.ok, f"{docname}: {response}"
            page.wait_for_load_state("networkidle")
        found = page.evaluate(OVERFLOW, width < 576)
        if found:
            overflowing[docname] = found
    assert overflowing == {}


# --- Legible figures -------------------------------------------------------------------------


def grid_title_pixels(natural_width: int) -> float:
    """The height in pixels of a title in the PNG of a titled image grid ``natural_width`` pixels
    wide: viz.image_grid sizes titles by the grid's width in inches (the PNG's width over its
    resolution, up to the few hundredths of an inch the tight bounding box trims)."""
    inches = natural_width / FIGURE_DPI
    points = min(15.0, max(10.0, viz.TITLE_POINTS_PER_INCH * inches))
    figure = viz.image_grid(np.zeros((24, 28, 28)), titles=["0"] * 24, columns=12)
    width = figure.get_size_inches()[0]  # the rule above is the one image_grid applies
    assert figure.axes[0].title.get_fontsize() == pytest.approx(
        min(15.0, max(10.0, viz.TITLE_POINTS_PER_INCH * width))
    )
    return points * FIGURE_DPI / 72


@pytest.mark.parametrize(
    ("width", "smallest"),
    [(WIDTHS["desktop"], 12.0), (WIDTHS["phone"], 8.0)],
    ids=["desktop", "phone"],
)
def test_the_digit_grids_titles_are_legible(sized_page, site_url, width, smallest):
    page = sized_page(f"{site_url}book/mnist-convnet.html", width)
    sizes = page.evaluate(
        """() => ["fig-mnist-samples", "fig-mnist-mistakes"].map(id => {
            const image = document.querySelector(`#${id} img`);
            return {id, rendered: image.getBoundingClientRect().width, natural: image.naturalWidth};
        })"""
    )
    for size in sizes:
        assert size["natural"] > 0, size
        shown = grid_title_pixels(size["natural"]) * size["rendered"] / size["natural"]
        assert shown >= smallest, f"{size['id']}: titles {shown:.1f} px tall at {width} px"


# --- Print ----------------------------------------------------------------------------------


PRINTED = """() => {
    const shown = element => {
        const box = element.getBoundingClientRect();
        return box.width > 0 && box.height > 0 && element.checkVisibility(
            {contentVisibilityAuto: true, opacityProperty: true, visibilityProperty: true});
    };
    const pres = [...document.querySelectorAll(".bd-article pre")];
    return {
        unwrapped: pres.filter(pre => getComputedStyle(pre).whiteSpace !== "pre-wrap").length,
        cut: pres.filter(pre => pre.scrollWidth > pre.clientWidth + 1).length,
        hiddenCells: [...document.querySelectorAll(".bd-article details.hide")].length,
        hiddenCellsPrinted: [...document.querySelectorAll(".bd-article details.hide")]
            .filter(details => [...details.querySelectorAll("pre")].some(shown)).length,
        solutions: document.querySelectorAll(".bd-article .solution").length,
        solutionsPrinted: [...document.querySelectorAll(".bd-article .solution")].filter(
            solution => [...solution.children].some(
                child => !child.matches(".admonition-title, button") && shown(child))).length,
    };
}"""


@pytest.mark.parametrize("docname", ["book/pooling", "book/mnist-convnet"])
def test_print_wraps_code_and_shows_collapsed_content(sized_page, site_url, docname):
    page = sized_page(f"{site_url}{docname}.html", 800)
    on_screen = page.evaluate(PRINTED)
    assert on_screen["hiddenCells"] > 0, f"{docname} has no hidden cells to print"
    assert on_screen["hiddenCellsPrinted"] == 0, "hidden cells are collapsed on screen"

    page.emulate_media(media="print")
    printed = page.evaluate(PRINTED)

    assert printed["unwrapped"] == 0 and printed["cut"] == 0, printed
    assert printed["hiddenCellsPrinted"] == printed["hiddenCells"], printed
    assert printed["solutionsPrinted"] == printed["solutions"], printed
    assert page.pdf()[:4] == b"%PDF"


OPENED_FOR_PRINT = """() => {
    // What the printout catches: site.js opens the hidden cells on beforeprint, and the page
    // is printed at once, before any animation has run.
    window.dispatchEvent(new Event("beforeprint"));
    const cells = [...document.querySelectorAll(".bd-article details.hide")];
    const opacity = element => {
        let product = 1;
        for (let node = element; node && node.nodeType === 1; node = node.parentElement) {
            product *= Number(getComputedStyle(node).opacity);
        }
        return product;
    };
    return {
        cells: cells.length,
        open: cells.filter(details => details.open).length,
        faded: cells.flatMap(details => [...details.querySelectorAll("pre")])
            .filter(pre => opacity(pre) < 1).length,
        labels: cells.map(details => details.querySelector(":scope > summary"))
            .filter(summary => summary && summary.getBoundingClientRect().height > 0).length,
    };
}"""


@pytest.mark.parametrize("docname", ["book/pooling", "book/mnist-convnet"])
def test_printing_shows_every_hidden_cells_code_at_full_opacity_without_its_label(
    sized_page, site_url, docname
):
    page = sized_page(f"{site_url}{docname}.html", 800)
    page.emulate_media(media="print")
    printed = page.evaluate(OPENED_FOR_PRINT)

    assert printed["cells"] > 0 and printed["open"] == printed["cells"], printed
    assert printed["faded"] == 0, f"{printed['faded']} hidden cells print faded out"
    assert printed["labels"] == 0, f"{printed['labels']} 'Show code cell' labels print"


# --- On a phone ------------------------------------------------------------------------------

WRAPPED_LINES = """() => {
    // Each source line of each listing that wraps: where its text starts on its first visual
    // line, and where it starts on the following ones (by the characters' own boxes).
    const found = [];
    for (const pre of document.querySelectorAll(".bd-article div.highlight pre")) {
        const characters = [];
        const walker = document.createTreeWalker(pre, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            for (let i = 0; i < node.data.length; i++) characters.push([node, i]);
        }
        const text = characters.map(([node, i]) => node.data[i]).join("");
        let start = 0;
        for (const line of text.split("\\n")) {
            const indent = line.length - line.trimStart().length;
            if (line.trim() && pre.getBoundingClientRect().height > 0) {
                const range = document.createRange();
                const [first, firstOffset] = characters[start + indent];
                const [last, lastOffset] = characters[start + line.length - 1];
                range.setStart(first, firstOffset);
                range.setEnd(last, lastOffset + 1);
                const rects = [...range.getClientRects()].filter(rect => rect.width > 0);
                const top = Math.min(...rects.map(rect => rect.top));
                const later = rects.filter(rect => rect.top > top + 2);
                if (later.length) {
                    found.push({
                        line: line.trim().slice(0, 40),
                        first: Math.min(...rects.filter(r => r.top <= top + 2).map(r => r.left)),
                        next: Math.min(...later.map(rect => rect.left)),
                        em: parseFloat(getComputedStyle(pre).fontSize),
                    });
                }
            }
            start += line.length + 1;
        }
    }
    return found;
}"""


def test_on_a_phone_wrapped_code_continues_indented_and_copies_unchanged(sized_page, site_url):
    page = sized_page(f"{site_url}book/pooling.html", WIDTHS["phone"], 844)
    wrapped = page.evaluate(WRAPPED_LINES)

    assert wrapped, "no line of code wraps at 390 px: the test checks nothing"
    at_column_0 = [line for line in wrapped if line["next"] < line["first"] + line["em"]]
    assert at_column_0 == [], at_column_0
    # Copy buttons read innerText, Live code textContent: both the listing as written.
    assert page.evaluate(
        """() => [...document.querySelectorAll(".bd-article div.highlight pre")]
            // innerText is "" where the listing is not shown (a closed cell or solution).
            .filter(pre => pre.checkVisibility({visibilityProperty: true}))
            .every(pre => pre.innerText.trimEnd() === pre.textContent.trimEnd())"""
    )


def test_on_a_phone_model_summaries_keep_their_lines_and_scroll_in_their_box(
    sized_page, site_url
):
    page = sized_page(f"{site_url}book/mnist-convnet.html", WIDTHS["phone"], 844)
    tables = page.evaluate(
        """() => [...document.querySelectorAll(".bd-article .cell_output pre")]
            .filter(pre => pre.textContent.includes("┏"))  // Rich's table, drawn in boxes
            .map(pre => {
                const lines = pre.textContent.replace(/\\n+$/, "").split("\\n").length;
                const height = parseFloat(getComputedStyle(pre).lineHeight)
                    || 1.2 * parseFloat(getComputedStyle(pre).fontSize);
                const box = pre.getBoundingClientRect();
                return {lines, shown: Math.round((pre.scrollHeight) / height),
                        scrolls: getComputedStyle(pre).overflowX,
                        fits: box.right <= innerWidth};
            })"""
    )
    assert tables, "no model.summary() table on the MNIST chapter"
    for table in tables:
        # One visual line per line of the table (wrapped, its rows fall apart), give or take
        # the padding; the box scrolls sideways, the page does not.
        assert table["shown"] <= table["lines"] + 1, table
        assert table["scrolls"] in {"auto", "scroll"} and table["fits"], table


@pytest.mark.parametrize("drawer", ["primary", "secondary"])
def test_on_a_phone_the_contents_drawers_close_after_a_link_and_on_escape(
    sized_page, site_url, console_errors, drawer
):
    page = sized_page(f"{site_url}book/pooling.html", WIDTHS["phone"], 844, has_touch=True)
    dialog = page.locator(f"#pst-{drawer}-sidebar-modal")
    toggle = page.locator(f".header-article-items .{drawer}-toggle")

    toggle.click()
    page.wait_for_timeout(600)
    assert dialog.evaluate("d => d.open")
    page.keyboard.press("Escape")
    page.wait_for_timeout(300)
    assert not dialog.evaluate("d => d.open"), "Escape leaves the drawer open"

    toggle.click()
    page.wait_for_timeout(600)
    link = dialog.locator("a[href^='#'], a.current[href]").first
    if drawer == "secondary":  # the page's sections: the link stays on the page
        link = dialog.locator("a[href^='#']:visible").nth(1)  # a sub-section's may be folded
    link.tap()
    page.wait_for_timeout(600)
    assert not dialog.evaluate("d => d.open"), "the drawer stays open over the page"
    page.keyboard.press("Escape")  # and Escape still does nothing wrong
    assert console_errors == []


def test_on_a_phone_figures_open_at_full_size(sized_page, site_url, console_errors):
    page = sized_page(f"{site_url}book/mnist-convnet.html", WIDTHS["phone"], 844, has_touch=True)
    image = page.locator("#fig-mnist-samples img")
    shown = image.bounding_box()
    natural = image.evaluate("image => image.naturalWidth")
    assert natural > 1.2 * shown["width"], "the figure is not shrunk on a phone: nothing to test"

    image.tap()
    full = page.locator("dialog.dlcv-figure-viewer[open] img")
    full.wait_for()
    assert full.evaluate("image => image.getBoundingClientRect().width") == pytest.approx(
        natural, abs=1
    )
    # Its titles at the size they are drawn: what the desktop test asks of them.
    assert grid_title_pixels(natural) >= 12.0
    page.keyboard.press("Escape")
    page.wait_for_timeout(300)
    assert page.locator("dialog.dlcv-figure-viewer[open]").count() == 0
    assert console_errors == []


def test_on_a_phone_inline_code_stays_inside_the_learning_goals_box(sized_page, site_url):
    page = sized_page(f"{site_url}book/cats-vs-dogs.html", WIDTHS["phone"], 844)
    outside = page.evaluate(
        """() => [...document.querySelectorAll(".bd-article .learning-goals")].flatMap(box => {
            const inner = box.getBoundingClientRect();
            return [...box.querySelectorAll("code")]
                .filter(code => code.getBoundingClientRect().right > inner.right + 0.5)
                .map(code => code.textContent);
        })"""
    )
    assert page.locator(".bd-article .learning-goals code").count() > 0
    assert outside == []


@pytest.mark.parametrize("width", [WIDTHS["desktop"], WIDTHS["phone"]])
def test_the_search_icon_leaves_the_first_letter_visible(sized_page, site_url, width):
    page = sized_page(f"{site_url}book/pooling.html", width, 844)
    page.locator(".search-button__button >> visible=true").first.click()
    field = page.locator(".bd-search >> visible=true").first
    field.locator("input").fill("W")
    layout = field.evaluate(
        """form => {
            const icon = form.querySelector("i").getBoundingClientRect();
            const input = form.querySelector("input");
            const style = getComputedStyle(input);
            const text = input.getBoundingClientRect().left + parseFloat(style.paddingLeft)
                + parseFloat(style.borderLeftWidth);
            return {iconRight: icon.right, textLeft: text};
        }"""
    )
    assert layout["iconRight"] <= layout["textLeft"], layout


def test_mathjax_is_loaded_only_on_pages_with_math(site_dir):
    with_math = []
    for html in sorted(site_dir.glob("**/*.html")):
        markup = html.read_text(encoding="utf-8")
        has_math = 'class="math' in markup
        loads = "mathjax/tex-chtml.js" in markup
        assert loads == has_math, f"{html.relative_to(site_dir)}: math {has_math}, MathJax {loads}"
        with_math += [html.name] if has_math else []
    assert "convolution.html" in with_math


# --- Edition, footer, licences, Live code ---------------------------------------------------


def test_every_page_names_its_edition_and_build(site_dir):
    for docname in PAGES:
        markup = (site_dir / f"{docname}.html").read_text(encoding="utf-8")
        banner = re.search(
            r'<div class="dlcv-edition dlcv-edition-(quick|full)">(.*?)</div>', markup, re.S
        )
        assert banner, f"{docname}: no edition banner"
        link = r'href="#profiles-quick-and-full"' if docname == "book/intro" else (
            r'href="[^"]*intro\.html#profiles-quick-and-full"'
        )
        assert re.search(link, banner.group(2)), f"{docname}: {banner.group(2)}"
        footer = re.search(r'<p class="dlcv-build">(.*?)</p>', markup, re.S)
        assert footer, f"{docname}: no build line in the footer"
        assert re.search(r"dlcv \d+\.\d+", footer.group(1))
        assert re.search(r"built \d{4}-\d{2}-\d{2}", footer.group(1))
        assert "CC BY 4.0" in footer.group(1) and "MIT" in footer.group(1)


def test_the_edition_link_leads_to_the_profiles_section(sized_page, site_url):
    page = sized_page(f"{site_url}book/dropout.html", WIDTHS["desktop"])
    page.locator(".dlcv-edition a").click()
    page.wait_for_load_state()
    assert page.url.endswith("book/intro.html#profiles-quick-and-full")
    assert page.locator("#profiles-quick-and-full h2").is_visible()


def test_pages_load_no_icon_script_and_still_show_icons(sized_page, site_url, site_dir):
    assert not list((site_dir / "_static" / "scripts").glob("fontawesome*"))
    page = sized_page(f"{site_url}book/pooling.html", WIDTHS["desktop"])
    assert page.locator("script[src*=fontawesome]").count() == 0
    # The theme's stylesheet draws the icons from Font Awesome's web fonts.
    icon = page.locator(".article-header-buttons i.fa-download").first
    page.evaluate("() => document.fonts.ready")
    font = page.evaluate(
        "() => getComputedStyle(document.querySelector('i.fa-download')).fontFamily"
    )
    assert "Font Awesome" in font
    assert page.evaluate(
        """() => [...document.fonts].some(face =>
            face.family.includes("Font Awesome") && face.status === "loaded")"""
    ), "the icon font was not loaded"
    box = icon.bounding_box()
    assert box and box["width"] > 8 and box["height"] > 8


@pytest.mark.parametrize("sphinx_thebe_late", [False, True], ids=["in-time", "sphinx-thebe-late"])
def test_live_code_says_so_when_thebe_cannot_load(
    browser, site_url, console_errors, sphinx_thebe_late
):
    """sphinx-thebe.js (which defines initThebe) loads async: on a busy machine it can run
    after site.js has started, which must still watch Live code."""
    context = browser.new_context(viewport={"width": WIDTHS["desktop"], "height": 900})
    page = context.new_page()

    def late(route):
        time.sleep(1.5)  # after DOMContentLoaded, when site.js starts
        route.continue_()

    if sphinx_thebe_late:
        page.route(re.compile(r".*/_static/sphinx-thebe\.js.*"), late)
    page.goto(f"{site_url}book/pooling.html")
    page.wait_for_load_state("networkidle")
    page.route(re.compile(r".*thebe.*\.js.*"), lambda route: route.abort())
    page.get_by_role("button", name="Launch interactive content").click()
    page.get_by_role("button", name="Live Code").click()

    message = page.locator(".dlcv-thebe-failed")
    # At once when the script fails, else after 15 s; a loaded CI machine delays both.
    message.wait_for(timeout=60000)
    assert "could not start" in message.inner_text()
    console_errors.clear()  # the aborted request is the point of the test
    context.close()


# --- Apparatus -------------------------------------------------------------------------------

GLOSSARY_TERMS = [
    "Receptive field", "Feature map", "Filter", "Kernel", "Channel", "Stride", "Padding",
    "Pooling", "Equivariance", "Invariance", "Overfitting", "Data augmentation", "Dropout",
    "Parameter sharing", "Grad-CAM", "Activation", "Logits", "Softmax", "Epoch", "Batch",
    "Validation set",
]


def test_the_glossary_defines_the_books_terms(site_dir):
    from bs4 import BeautifulSoup

    soup = BeautifulSoup((site_dir / "book" / "glossary.html").read_text("utf-8"), "html.parser")
    entries = {dt.get_text(" ", strip=True).rstrip("#").strip(): dt.find_next_sibling("dd")
               for dt in soup.select("dl.glossary > dt")}
    assert set(GLOSSARY_TERMS) <= set(entries), set(GLOSSARY_TERMS) - set(entries)
    for term, definition in entries.items():
        sentences = re.findall(r"[.!?](?:\s|$)", definition.get_text(" ", strip=True))
        assert 1 <= len(sentences) <= 3, f"{term}: {len(sentences)} sentences"


def test_the_bibliography_lists_the_cited_works(site_dir):
    markup = (site_dir / "book" / "bibliography.html").read_text("utf-8")
    assert "Deep Learning with Python" in markup
    assert len(re.findall(r'<div class="citation"|<dt class="label"|role="doc-biblioentry"',
                          markup)) >= 5
