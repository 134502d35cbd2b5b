/* The book's small additions to the theme, on every page.
 *
 * Live code (Thebe): sphinx-thebe loads Thebe from a CDN when the reader clicks "Live code" and,
 * if that never arrives (offline, blocked), leaves "Loading thebe from CDN..." in the page for
 * ever. This says plainly what happened and what else works, as soon as the script fails to
 * load or after THEBE_WAIT_MS without it.
 *
 * Print: collapsed content (hidden cells, solution dropdowns) is printed. site.css does it in
 * browsers with ::details-content; this opens the <details> before printing in the others.
 *
 * Code: each line of a listing goes in a <span class="dlcv-line"> that knows its indentation,
 * so that site.css indents the continuation of a wrapped line (on a phone) under its start.
 * The text is unchanged (copy buttons and Live code read the same code).
 *
 * Phone drawers: the theme's contents drawers (dialogs) close when a link in them is followed
 * (a link to a section of the same page would leave the drawer over it) and on Escape.
 *
 * Figures: an image shown smaller than it is drawn opens at full size on a tap or click (and
 * Enter), in a dialog that Escape, a tap or its Close button closes.
 */
(function () {
  "use strict";

  const THEBE_WAIT_MS = 15000;
  const MESSAGE =
    "Live code could not start: the Thebe library did not load from its CDN " +
    "(no connection, or it is blocked). To run this page, open it as a notebook " +
    "(Binder or Colab from the launch menu) or download it (download button).";

  function thebeLoaded() {
    return typeof window.thebelab !== "undefined" || typeof window.thebe !== "undefined";
  }

  function showThebeFailure() {
    if (thebeLoaded()) return;
    const button = document.querySelector(".thebe-launch-button");
    let note = document.querySelector(".dlcv-thebe-failed");
    if (!note) {
      note = document.createElement("p");
      note.className = "dlcv-thebe-failed";
      note.setAttribute("role", "alert");
      note.textContent = MESSAGE;
      if (button) {
        button.insertAdjacentElement("afterend", note);
        button.textContent = "Live code unavailable";
        button.disabled = true;
      } else {
        (document.querySelector("main") || document.body).prepend(note);
      }
    }
  }

  function watchThebe() {
    if (thebeLoaded()) return;
    // sphinx-thebe declares THEBE_JS_URL with `const`: a global binding, not a window property.
    const url = typeof THEBE_JS_URL === "undefined" ? null : THEBE_JS_URL; // eslint-disable-line no-undef
    for (const script of document.querySelectorAll("script[src]")) {
      if (url && script.src === new URL(url, document.baseURI).href) {
        script.addEventListener("error", showThebeFailure);
      }
    }
    window.setTimeout(showThebeFailure, THEBE_WAIT_MS);
  }

  function wrapInitThebe() {
    const initThebe = window.initThebe;
    if (typeof initThebe !== "function" || initThebe.dlcvWrapped) return;
    const wrapped = function () {
      const result = initThebe.apply(this, arguments);
      watchThebe();
      return result;
    };
    wrapped.dlcvWrapped = true;
    window.initThebe = wrapped;
  }

  let openedForPrint = [];
  window.addEventListener("beforeprint", () => {
    openedForPrint = [...document.querySelectorAll(".bd-article details:not([open])")];
    openedForPrint.forEach((details) => { details.open = true; });
  });
  window.addEventListener("afterprint", () => {
    openedForPrint.forEach((details) => { details.open = false; });
    openedForPrint = [];
  });

  // --- Code: wrapped lines hang under their start ------------------------------------------

  /** The lines of `pre` as fragments, each text piece in copies of the elements around it. */
  function linesOf(pre) {
    const lines = [document.createDocumentFragment()];
    const walk = (node, wrap) => {
      for (const child of node.childNodes) {
        if (child.nodeType === Node.TEXT_NODE) {
          child.data.split("\n").forEach((piece, index) => {
            if (index > 0) lines.push(document.createDocumentFragment());
            if (piece) lines[lines.length - 1].append(wrap(document.createTextNode(piece)));
          });
        } else if (child.nodeType === Node.ELEMENT_NODE) {
          walk(child, (inner) => {
            const copy = child.cloneNode(false);
            copy.append(inner);
            return wrap(copy);
          });
        }
      }
    };
    walk(pre, (node) => node);
    return lines;
  }

  function hangWrappedLines(pre) {
    if (pre.querySelector(".dlcv-line")) return;
    const text = pre.textContent;
    const lines = linesOf(pre);
    pre.replaceChildren();
    lines.forEach((fragment, index) => {
      const last = index === lines.length - 1;
      if (last && !fragment.hasChildNodes()) return; // the final newline ends the last line
      const line = document.createElement("span");
      line.className = "dlcv-line";
      const indent = /^ */.exec(fragment.textContent)[0].length;
      if (indent) line.style.setProperty("--indent", String(indent));
      line.append(fragment);
      pre.append(line);
      if (!last) pre.append("\n");
    });
    if (pre.textContent !== text) throw new Error("site.js changed the text of a listing");
  }

  // --- Phone drawers -------------------------------------------------------------------------

  const DRAWERS = "dialog#pst-primary-sidebar-modal, dialog#pst-secondary-sidebar-modal";

  function closeDrawers() {
    document.addEventListener("click", (event) => {
      const link = event.target.closest("a[href]");
      const drawer = link && link.closest(DRAWERS);
      if (drawer && drawer.open) drawer.close();
    });
    document.addEventListener("keydown", (event) => {
      if (event.key !== "Escape") return;
      for (const drawer of document.querySelectorAll(DRAWERS)) if (drawer.open) drawer.close();
    });
  }

  // --- Figures at full size ------------------------------------------------------------------

  let viewer = null;

  function showFullSize(image) {
    if (!viewer) {
      viewer = document.createElement("dialog");
      viewer.className = "dlcv-figure-viewer";
      viewer.setAttribute("aria-label", "Figure at full size");
      viewer.addEventListener("click", () => viewer.close());
      document.body.append(viewer);
    }
    const full = document.createElement("img");
    full.src = image.currentSrc || image.src;
    full.alt = image.alt;
    full.width = image.naturalWidth;
    const close = document.createElement("button");
    close.type = "button";
    close.textContent = "Close";
    viewer.replaceChildren(close, full);
    viewer.showModal();
    close.focus();
  }

  function isShrunk(image) {
    return image.naturalWidth > 1.05 * image.getBoundingClientRect().width;
  }

  function enlargeableFigures() {
    const images = [...document.querySelectorAll(".bd-article img")].filter(
      (image) => !image.closest("a[href]"),
    );
    const mark = () => {
      for (const image of images) {
        const shrunk = image.complete && isShrunk(image);
        image.classList.toggle("dlcv-enlargeable", shrunk);
        if (shrunk) image.setAttribute("tabindex", "0");
        else image.removeAttribute("tabindex");
      }
    };
    for (const image of images) {
      image.addEventListener("load", mark);
      image.addEventListener("click", () => { if (isShrunk(image)) showFullSize(image); });
      image.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && isShrunk(image)) showFullSize(image);
      });
    }
    window.addEventListener("resize", mark);
    mark();
  }

  function start() {
    wrapInitThebe();
    // sphinx-thebe.js loads async, so initThebe may be defined only after this runs; async
    // scripts have run by the load event.
    window.addEventListener("load", wrapInitThebe);
    document.querySelectorAll(".bd-article div.highlight pre").forEach(hangWrappedLines);
    closeDrawers();
    enlargeableFigures();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
