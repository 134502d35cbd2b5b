/*
 * The convolution explorer: turns every <div class="conv-explorer"> on a page into an
 * interactive figure. The container is written by
 * dlcv.widgets.explorer.convolution_explorer, which puts the image, the example kernels and the starting settings in data- attributes.
 *
 * The arithmetic is that of dlcv.ops.conv2d: cross-correlation (the kernel is not flipped),
 * "valid" = no padding, "same" = TensorFlow's zero padding (the odd extra row/column goes
 * bottom/right). Plain JavaScript and SVG, no dependencies, so it works offline.
 */
(function () {
  "use strict";

  const SVG_NS = "http://www.w3.org/2000/svg";
  const MIN_INPUT_SIZE = 7;
  const MAX_KERNEL_SIZE = 7;
  const MAX_STRIDE = 4;
  let instances = 0;

  // --- The arithmetic (mirrors dlcv.ops) -------------------------------------------------

  function outputSize(n, k, stride, padding) {
    return padding === "same" ? Math.ceil(n / stride) : Math.floor((n - k) / stride) + 1;
  }

  /** Zeros added before and after the input along one axis, as TensorFlow pads. */
  function paddingAmounts(n, k, stride, padding) {
    if (padding !== "same") return [0, 0];
    const total = Math.max((outputSize(n, k, stride, padding) - 1) * stride + k - n, 0);
    const before = Math.floor(total / 2);
    return [before, total - before];
  }

  function centerCrop(image, size) {
    const top = Math.floor((image.length - size) / 2);
    const left = Math.floor((image[0].length - size) / 2);
    return image.slice(top, top + size).map((row) => row.slice(left, left + size));
  }

  /** The output feature map: out[i][j] = sum of window(i, j) * kernel, padding = zeros. */
  function convolve(input, kernel, stride, padding) {
    const n = input.length;
    const k = kernel.length;
    const [top] = paddingAmounts(n, k, stride, padding); // square: the same on the left
    const out = outputSize(n, k, stride, padding);
    const values = [];
    for (let i = 0; i < out; i++) {
      const row = [];
      for (let j = 0; j < out; j++) {
        let sum = 0;
        for (let a = 0; a < k; a++) {
          const r = i * stride - top + a;
          if (r < 0 || r >= n) continue;
          for (let b = 0; b < k; b++) {
            const c = j * stride - top + b;
            if (c >= 0 && c < n) sum += input[r][c] * kernel[a][b];
          }
        }
        row.push(sum);
      }
      values.push(row);
    }
    return values;
  }

  // --- Colours: the input in grey, the output in viridis (as the book's figures) --------

  const VIRIDIS = [
    [68, 1, 84], [72, 40, 120], [62, 74, 137], [49, 104, 142], [38, 130, 142],
    [31, 158, 137], [53, 183, 121], [109, 205, 89], [180, 222, 44], [253, 231, 37],
  ];

  function viridis(t) {
    const x = Math.min(Math.max(t, 0), 1) * (VIRIDIS.length - 1);
    const i = Math.min(Math.floor(x), VIRIDIS.length - 2);
    const f = x - i;
    const rgb = VIRIDIS[i].map((c, m) => Math.round(c + f * (VIRIDIS[i + 1][m] - c)));
    return `rgb(${rgb.join(",")})`;
  }

  function grey(v) {
    const g = Math.round(Math.min(Math.max(v, 0), 1) * 255);
    return `rgb(${g},${g},${g})`;
  }

  function formatNumber(v) {
    const rounded = Math.abs(v) < 5e-4 ? 0 : v;
    return rounded.toFixed(3).replace(/\.?0+$/, "") || "0";
  }

  // --- DOM helpers ----------------------------------------------------------------------

  function element(tag, attributes = {}, text = "") {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    if (text) node.textContent = text;
    return node;
  }

  function svgElement(tag, attributes = {}) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    return node;
  }

  function slider(id, label, min, max, value) {
    const wrapper = element("div", { class: "conv-explorer__control" });
    wrapper.append(element("label", { for: id }, label));
    const input = element("input", {
      type: "range", id, min: String(min), max: String(max), step: "1", value: String(value),
    });
    const shown = element("output", { for: id, "aria-hidden": "true" }, String(value));
    wrapper.append(input, shown);
    input.addEventListener("input", () => { shown.textContent = input.value; });
    return { wrapper, input, shown };
  }

  function choice(id, label, options, value) {
    const wrapper = element("div", { class: "conv-explorer__control" });
    wrapper.append(element("label", { for: id }, label));
    const select = element("select", { id });
    wrapper.append(select);
    setOptions(select, options, value);
    return { wrapper, select };
  }

  function setOptions(select, options, value) {
    select.replaceChildren(...options.map((name) => element("option", { value: name }, name)));
    select.value = options.includes(value) ? value : options[0];
  }

  function button(label, action, title) {
    const node = element("button", { type: "button", class: "conv-explorer__button", title }, label);
    node.addEventListener("click", action);
    return node;
  }

  // --- One explorer ---------------------------------------------------------------------

  function Explorer(container) {
    const image = JSON.parse(container.dataset.image);
    const kernels = JSON.parse(container.dataset.kernels);
    const id = `conv-explorer-${++instances}`;
    const state = {
      n: Number(container.dataset.inputSize || image.length),
      k: Number(container.dataset.kernelSize || 3),
      stride: Number(container.dataset.stride || 1),
      padding: container.dataset.padding || "valid",
      kernelName: container.dataset.kernel || "identity",
      // The kernel the reader chose: a kernel size without it (edges need 2) shows another,
      // and the chosen one comes back with a size that has it.
      chosenKernel: container.dataset.kernel || "identity",
      step: 0,
      timer: null,
    };
    let model = null; // everything derived from the settings, rebuilt by configure()

    // Controls
    const size = slider(`${id}-size`, "Input size", MIN_INPUT_SIZE, image.length, state.n);
    const kernelSize = slider(`${id}-kernel-size`, "Kernel size", 1, MAX_KERNEL_SIZE, state.k);
    const stride = slider(`${id}-stride`, "Stride", 1, MAX_STRIDE, state.stride);
    const padding = choice(`${id}-padding`, "Padding", ["valid", "same"], state.padding);
    const kernel = choice(`${id}-kernel`, "Kernel", Object.keys(kernels[state.k]), state.kernelName);
    size.input.classList.add("conv-explorer__input-size");
    kernelSize.input.classList.add("conv-explorer__kernel-size");
    stride.input.classList.add("conv-explorer__stride");
    padding.select.classList.add("conv-explorer__padding");
    kernel.select.classList.add("conv-explorer__kernel");
    const controls = element("div", { class: "conv-explorer__controls" });
    controls.append(size.wrapper, kernelSize.wrapper, stride.wrapper, padding.wrapper, kernel.wrapper);

    const playButton = button("Play", () => (state.timer ? pause() : play()), "Animate the window");
    const buttons = element("div", { class: "conv-explorer__buttons", role: "group", "aria-label": "Move the window" });
    buttons.append(
      button("First", () => goTo(0), "Window at the first output position"),
      button("Back", () => goTo(state.step - 1), "Window one position back"),
      button("Step", () => goTo(state.step + 1), "Window one position forward"),
      playButton,
      button("All", () => goTo(model.total - 1), "Compute every output position"),
    );

    // Panels
    const inputTitle = element("p", { class: "conv-explorer__panel-title" });
    const inputSvg = svgElement("svg", { class: "conv-explorer__grid conv-explorer__input", role: "img" });
    const kernelTitle = element("p", { class: "conv-explorer__panel-title" });
    const kernelTable = element("table", { class: "conv-explorer__kernel-weights" });
    const sum = element("p", { class: "conv-explorer__sum" });
    const outputTitle = element("p", { class: "conv-explorer__panel-title" });
    const sizeText = element("span", { class: "conv-explorer__size" });
    outputTitle.append("Output ", sizeText);
    const outputSvg = svgElement("svg", {
      class: "conv-explorer__grid conv-explorer__output",
      role: "img",
      tabindex: "0",
    });
    const panels = element("div", { class: "conv-explorer__panels" });
    const panel = (...children) => {
      const node = element("div", { class: "conv-explorer__panel" });
      node.append(...children);
      return node;
    };
    // Input and output side by side; the kernel and its sum wrap below on narrow pages.
    panels.append(panel(inputTitle, inputSvg), panel(outputTitle, outputSvg), panel(kernelTitle, kernelTable, sum));

    const formula = element("p", { class: "conv-explorer__formula" });
    const status = element("p", { class: "conv-explorer__status", "aria-live": "polite", id: `${id}-status` });
    const hint = element("p", { class: "conv-explorer__hint" },
      "Keys: with the output map focused, the arrow keys move the window, Home and End jump to the first and last position.");
    const figure = element("figure", { class: "conv-explorer__figure", "aria-describedby": `${id}-status` });
    figure.append(controls, buttons, panels, formula, status, hint);
    if (container.dataset.caption) figure.append(element("figcaption", {}, container.dataset.caption));
    container.replaceChildren(figure);
    container.classList.add("conv-explorer--ready");

    // Events
    const onChange = (event) => {
      if (event.target === kernel.select) state.chosenKernel = kernel.select.value;
      state.n = Number(size.input.value);
      state.k = Number(kernelSize.input.value);
      state.stride = Number(stride.input.value);
      state.padding = padding.select.value;
      setOptions(kernel.select, Object.keys(kernels[state.k]), state.chosenKernel);
      state.kernelName = kernel.select.value;
      configure();
    };
    for (const control of [size.input, kernelSize.input, stride.input]) control.addEventListener("input", onChange);
    for (const control of [padding.select, kernel.select]) control.addEventListener("change", onChange);
    outputSvg.addEventListener("keydown", (event) => {
      const out = model.out;
      const row = Math.floor(state.step / out);
      const col = state.step % out;
      const moves = {
        ArrowRight: row * out + Math.min(col + 1, out - 1),
        ArrowLeft: row * out + Math.max(col - 1, 0),
        ArrowDown: Math.min(row + 1, out - 1) * out + col,
        ArrowUp: Math.max(row - 1, 0) * out + col,
        Home: 0,
        End: model.total - 1,
      };
      if (!(event.key in moves)) return;
      event.preventDefault();
      goTo(moves[event.key]);
    });
    outputSvg.addEventListener("click", (event) => {
      const cell = event.target.closest("[data-step]");
      if (cell) goTo(Number(cell.dataset.step));
    });

    function configure() {
      pause();
      const input = centerCrop(image, state.n);
      const weights = kernels[state.k][state.kernelName];
      const values = convolve(input, weights, state.stride, state.padding);
      const flat = values.flat();
      const out = values.length;
      model = {
        input,
        weights,
        values,
        out,
        total: out * out,
        min: Math.min(...flat),
        max: Math.max(...flat),
        pads: paddingAmounts(state.n, state.k, state.stride, state.padding),
      };
      state.step = Math.min(state.step, model.total - 1);
      drawInput();
      drawKernel();
      drawOutput();
      describeSize();
      goTo(state.step);
    }

    function cellSize(count) {
      return Math.max(6, Math.min(24, Math.floor(240 / count)));
    }

    function drawInput() {
      const { input, pads } = model;
      const [before, after] = pads;
      const count = state.n + before + after;
      const cell = cellSize(count);
      model.cell = cell;
      inputSvg.replaceChildren();
      setSize(inputSvg, count * cell, count * cell);
      for (let r = -before; r < state.n + after; r++) {
        for (let c = -before; c < state.n + after; c++) {
          const inside = r >= 0 && r < state.n && c >= 0 && c < state.n;
          const rect = svgElement("rect", {
            x: (c + before) * cell, y: (r + before) * cell, width: cell, height: cell,
            class: inside ? "conv-explorer__pixel" : "conv-explorer__pad",
          });
          if (inside) rect.setAttribute("fill", grey(input[r][c]));
          inputSvg.append(rect);
        }
      }
      model.inputWindow = windowMarker(state.k * cell);
      inputSvg.append(model.inputWindow);
      inputSvg.setAttribute(
        "aria-label",
        `Input: the central ${state.n} by ${state.n} pixels of the digit` +
          (before + after ? `, with ${before + after} rows and columns of zero padding.` : "."),
      );
      inputTitle.textContent = `Input ${state.n} × ${state.n}` +
        (before + after ? ` (padded to ${count} × ${count})` : "");
    }

    function drawKernel() {
      kernelTitle.textContent = `Kernel ${state.k} × ${state.k}: ${state.kernelName}`;
      kernelTable.replaceChildren();
      const caption = element("caption", { class: "conv-explorer__visually-hidden" }, "Kernel weights");
      kernelTable.append(caption);
      for (const row of model.weights) {
        const tr = element("tr");
        for (const w of row) tr.append(element("td", {}, formatNumber(w)));
        kernelTable.append(tr);
      }
    }

    function drawOutput() {
      const { out, cell } = model;
      outputSvg.replaceChildren();
      setSize(outputSvg, out * cell, out * cell);
      model.outputCells = [];
      for (let i = 0; i < out; i++) {
        for (let j = 0; j < out; j++) {
          const v = model.values[i][j];
          const rect = svgElement("rect", {
            x: j * cell, y: i * cell, width: cell, height: cell,
            class: "conv-explorer__value",
            "pointer-events": "all", // a cell not yet computed (no fill) takes clicks too
            "data-row": i, "data-col": j, "data-step": i * out + j, "data-value": String(v),
          });
          const title = svgElement("title");
          title.textContent = `row ${i + 1}, column ${j + 1}: ${formatNumber(v)}`; // from 1, as the status
          rect.append(title);
          outputSvg.append(rect);
          model.outputCells.push(rect);
        }
      }
      model.outputWindow = windowMarker(cell);
      outputSvg.append(model.outputWindow);
      outputSvg.setAttribute("aria-label", `Output feature map, ${out} by ${out}; arrow keys move the window.`);
    }

    function describeSize() {
      const { out, pads } = model;
      const { n, k, stride: s, padding: p } = state;
      sizeText.textContent = `${out} × ${out}`;
      sizeText.dataset.rows = String(out);
      sizeText.dataset.cols = String(out);
      formula.textContent = p === "same"
        ? `Output size with "same" padding: ⌈n / s⌉ = ⌈${n} / ${s}⌉ = ${out}; ` +
          `zeros added: ${pads[0]} before, ${pads[1]} after (top/left, bottom/right).`
        : `Output size with "valid" padding: ⌊(n − k) / s⌋ + 1 = ⌊(${n} − ${k}) / ${s}⌋ + 1 = ${out}.`;
    }

    function goTo(step) {
      const { out, total, cell, outputCells } = model;
      state.step = Math.min(Math.max(step, 0), total - 1);
      const i = Math.floor(state.step / out);
      const j = state.step % out;
      const span = model.max - model.min;
      outputCells.forEach((rect, index) => {
        const computed = index <= state.step;
        const v = model.values[Math.floor(index / out)][index % out];
        rect.setAttribute("fill", computed ? viridis(span > 0 ? (v - model.min) / span : 0.5) : "none");
        rect.classList.toggle("conv-explorer__value--pending", !computed);
      });
      const [before] = model.pads;
      const top = i * state.stride; // in padded coordinates
      const left = j * state.stride;
      move(model.inputWindow, left * cell, top * cell);
      move(model.outputWindow, j * cell, i * cell);
      const value = model.values[i][j];
      sum.textContent = `Σ window × kernel = ${formatNumber(value)}`;
      status.textContent = describePosition(i, j, top - before, left - before, value);
    }

    function describePosition(i, j, row, col, value) {
      const { n, k } = state;
      const rows = coveredRange(row, k, n);
      const cols = coveredRange(col, k, n);
      const padded = k * k - (rows[1] - rows[0] + 1) * (cols[1] - cols[0] + 1);
      return `Output ${model.out} × ${model.out}. Window at output row ${i + 1}, column ${j + 1} ` +
        `(position ${state.step + 1} of ${model.total}) covers input rows ${rows[0] + 1} to ${rows[1] + 1} ` +
        `and columns ${cols[0] + 1} to ${cols[1] + 1}` +
        (padded ? `, plus ${padded} padding zeros` : "") +
        `; the sum of the window times the ${state.kernelName} kernel is ${formatNumber(value)}.`;
    }

    function coveredRange(start, k, n) {
      return [Math.max(start, 0), Math.min(start + k, n) - 1];
    }

    function play() {
      if (state.step >= model.total - 1) goTo(0);
      status.setAttribute("aria-live", "off"); // one announcement per pause, not per step
      playButton.textContent = "Pause";
      playButton.setAttribute("aria-pressed", "true");
      const delay = Math.max(15, Math.min(400, 6000 / model.total));
      state.timer = window.setInterval(() => {
        if (state.step >= model.total - 1) pause();
        else goTo(state.step + 1);
      }, delay);
    }

    function pause() {
      if (!state.timer) return;
      window.clearInterval(state.timer);
      state.timer = null;
      playButton.textContent = "Play";
      playButton.setAttribute("aria-pressed", "false");
      status.setAttribute("aria-live", "polite");
      goTo(state.step); // announce where it stopped
    }

    playButton.setAttribute("aria-pressed", "false");
    configure();
  }

  function windowMarker(side) {
    const group = svgElement("g", { class: "conv-explorer__window", "aria-hidden": "true" });
    group.append(
      svgElement("rect", { width: side, height: side, class: "conv-explorer__window-outer" }),
      svgElement("rect", { width: side, height: side, class: "conv-explorer__window-inner" }),
    );
    return group;
  }

  function move(node, x, y) {
    node.setAttribute("transform", `translate(${x} ${y})`);
  }

  function setSize(svg, width, height) {
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    svg.setAttribute("width", width);
    svg.setAttribute("height", height);
  }

  function initAll() {
    for (const container of document.querySelectorAll(".conv-explorer:not(.conv-explorer--ready)")) {
      try {
        Explorer(container);
      } catch (error) {
        container.append(element("p", { class: "conv-explorer__error" },
          `The explorer could not start: ${error.message}`));
        throw error;
      }
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", initAll);
  else initAll();
})();
