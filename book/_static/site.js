/* The book's small additions to the theme, on every page.
 *
 * Live code (Thebe): sphinx-thebe loads Thebe from a CDN when the reader clicks "Live code" and,
 * if that never arrives (offline, blocked), leaves "Loading thebe from CDN..." in the page for
 * ever. This says plainly what happened and what else works, as soon as the script fails to
 * load or after THEBE_WAIT_MS without it.
 *
 * Print: collapsed content (hidden cells, solution dropdowns) is printed. site.css does it in
 * browsers with ::details-content; this opens the <details> before printing in the others.
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

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", wrapInitThebe);
  } else {
    wrapInitThebe();
  }
})();
