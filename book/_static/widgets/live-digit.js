/*
 * The live digit: the MNIST chapter's trained convnet, running in the reader's browser.
 * Turns every <div class="live-digit" data-manifest="…/model.json"> into a widget where the
 * reader draws a digit (mouse, pen or finger) or picks a test digit, and sees the 28x28 input
 * the model receives, the feature maps of each convolution and pooling layer, and the ten
 * class probabilities, updated as they draw.
 *
 * The model and its weights come from dlcv.widgets.live_digit.export_mnist_model
 * (model.json, weights.bin: little-endian float32). The drawing is framed as
 * dlcv.widgets.live_digit.mnist_input frames it, and the forward pass is that of Keras'
 * Conv2D (valid, stride 1), MaxPooling2D, Flatten and Dense layers, channels last (the browser tests check both against Python and Keras). Plain
 * JavaScript and <canvas>, no dependencies, nothing fetched but the two files.
 */
(function () {
  "use strict";

  const PAD_SIDE = 280;        // the drawing pad's pixels (10 per input pixel)
  const STROKE_WIDTH = 22;     // MNIST strokes are about 2 pixels wide in a 20-pixel box
  const INPUT_SIDE = 28;
  const HALF = INPUT_SIDE / 2;
  const MAX_TIMINGS = 2000;
  let instances = 0;

  // --- Framing a drawing as an MNIST digit (mirrors dlcv.widgets.live_digit.mnist_input) ---

  /** For each of `out` pixels, the first source pixel it averages and the weights. */
  function areaWeights(out, n) {
    const step = n / out;
    const rows = [];
    for (let i = 0; i < out; i++) {
      const start = i * step;
      const end = (i + 1) * step;
      const first = Math.floor(start);
      const last = Math.min(n, Math.ceil(end));
      const weights = [];
      for (let j = first; j < last; j++) weights.push((Math.min(end, j + 1) - Math.max(start, j)) / step);
      rows.push({ first, weights });
    }
    return rows;
  }

  /**
   * The 28x28 input for a drawing (`pixels`: row-major, ink in [0, 1]): the ink's bounding
   * box resampled by area averaging so its longer side is boxSide pixels, placed with its
   * centre of mass as near the centre as whole-pixel shifts allow.
   */
  function mnistInput(pixels, width, height, boxSide = 20) {
    let top = height;
    let bottom = -1;
    let left = width;
    let right = -1;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (pixels[y * width + x] > 0) {
          if (y < top) top = y;
          if (y > bottom) bottom = y;
          if (x < left) left = x;
          if (x > right) right = x;
        }
      }
    }
    const framed = new Float32Array(INPUT_SIDE * INPUT_SIDE);
    if (bottom < 0) return framed;
    const h = bottom - top + 1;
    const w = right - left + 1;
    const scale = boxSide / Math.max(h, w);
    const outH = Math.max(1, Math.floor(h * scale + 0.5));
    const outW = Math.max(1, Math.floor(w * scale + 0.5));
    const byRow = areaWeights(outH, h);
    const byCol = areaWeights(outW, w);
    // Columns first (h x outW), then rows (outH x outW).
    const narrow = new Float64Array(h * outW);
    for (let y = 0; y < h; y++) {
      const source = (top + y) * width + left;
      for (let j = 0; j < outW; j++) {
        const { first, weights } = byCol[j];
        let sum = 0;
        for (let k = 0; k < weights.length; k++) sum += pixels[source + first + k] * weights[k];
        narrow[y * outW + j] = sum;
      }
    }
    const small = new Float64Array(outH * outW);
    for (let i = 0; i < outH; i++) {
      const { first, weights } = byRow[i];
      for (let j = 0; j < outW; j++) {
        let sum = 0;
        for (let k = 0; k < weights.length; k++) sum += narrow[(first + k) * outW + j] * weights[k];
        small[i * outW + j] = sum;
      }
    }
    let total = 0;
    let rowMoment = 0;
    let colMoment = 0;
    for (let i = 0; i < outH; i++) {
      for (let j = 0; j < outW; j++) {
        const v = small[i * outW + j];
        total += v;
        rowMoment += v * (i + 0.5);
        colMoment += v * (j + 0.5);
      }
    }
    const clamp = (v, lo, hi) => Math.min(Math.max(v, lo), hi);
    const y0 = clamp(Math.floor(HALF - rowMoment / total + 0.5), 0, INPUT_SIDE - outH);
    const x0 = clamp(Math.floor(HALF - colMoment / total + 0.5), 0, INPUT_SIDE - outW);
    for (let i = 0; i < outH; i++) {
      for (let j = 0; j < outW; j++) {
        framed[(y0 + i) * INPUT_SIDE + x0 + j] = clamp(small[i * outW + j], 0, 1);
      }
    }
    return framed;
  }

  // --- The forward pass (Keras' layers, channels last) --------------------------------------

  function conv2d(input, [h, w, c], kernel, [kh, kw, , f], bias, relu) {
    const outH = h - kh + 1;
    const outW = w - kw + 1;
    const out = new Float32Array(outH * outW * f);
    const acc = new Float64Array(f);
    for (let y = 0; y < outH; y++) {
      for (let x = 0; x < outW; x++) {
        acc.set(bias);
        for (let ky = 0; ky < kh; ky++) {
          for (let kx = 0; kx < kw; kx++) {
            const inBase = ((y + ky) * w + x + kx) * c;
            const kBase = (ky * kw + kx) * c * f;
            for (let ci = 0; ci < c; ci++) {
              const v = input[inBase + ci];
              if (v === 0) continue; // after a relu most inputs are zero
              const wBase = kBase + ci * f;
              for (let co = 0; co < f; co++) acc[co] += v * kernel[wBase + co];
            }
          }
        }
        const o = (y * outW + x) * f;
        for (let co = 0; co < f; co++) out[o + co] = relu && acc[co] < 0 ? 0 : acc[co];
      }
    }
    return { data: out, shape: [outH, outW, f] };
  }

  function maxPool2d(input, [h, w, c], pool) {
    const outH = Math.floor(h / pool);
    const outW = Math.floor(w / pool);
    const out = new Float32Array(outH * outW * c);
    for (let y = 0; y < outH; y++) {
      for (let x = 0; x < outW; x++) {
        for (let ch = 0; ch < c; ch++) {
          let best = -Infinity;
          for (let py = 0; py < pool; py++) {
            for (let px = 0; px < pool; px++) {
              const v = input[((y * pool + py) * w + x * pool + px) * c + ch];
              if (v > best) best = v;
            }
          }
          out[(y * outW + x) * c + ch] = best;
        }
      }
    }
    return { data: out, shape: [outH, outW, c] };
  }

  function dense(input, kernel, [n, units], bias, activation) {
    const out = new Float64Array(units);
    out.set(bias);
    for (let i = 0; i < n; i++) {
      const v = input[i];
      if (v === 0) continue;
      const base = i * units;
      for (let j = 0; j < units; j++) out[j] += v * kernel[base + j];
    }
    if (activation === "relu") for (let j = 0; j < units; j++) out[j] = Math.max(out[j], 0);
    if (activation === "softmax") {
      const top = Math.max(...out);
      let sum = 0;
      for (let j = 0; j < units; j++) sum += (out[j] = Math.exp(out[j] - top));
      for (let j = 0; j < units; j++) out[j] /= sum;
    }
    return { data: activation === "softmax" ? out : Float32Array.from(out), shape: [units] };
  }

  /** Every layer's output for one 28x28 input; the last one is the class probabilities. */
  function forward(model, input) {
    let x = { data: input, shape: model.inputShape };
    const outputs = [];
    for (const layer of model.layers) {
      if (layer.type === "conv2d") {
        x = conv2d(x.data, x.shape, layer.kernel, layer.kernelShape, layer.bias, layer.activation === "relu");
      } else if (layer.type === "max_pool2d") {
        x = maxPool2d(x.data, x.shape, layer.pool);
      } else if (layer.type === "flatten") {
        x = { data: x.data, shape: [x.data.length] };
      } else if (layer.type === "dense") {
        x = dense(x.data, layer.kernel, layer.kernelShape, layer.bias, layer.activation);
      } else {
        throw new Error(`unknown layer type ${layer.type}`);
      }
      outputs.push(x);
    }
    return outputs;
  }

  // --- Loading the exported model ----------------------------------------------------------

  const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

  function float32s(buffer) {
    if (LITTLE_ENDIAN) return new Float32Array(buffer);
    const view = new DataView(buffer);
    return Float32Array.from({ length: buffer.byteLength / 4 }, (_, i) => view.getFloat32(4 * i, true));
  }

  async function fetchOk(url) {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url} answered ${response.status}`);
    return response;
  }

  async function loadModel(manifestUrl) {
    const url = new URL(manifestUrl, document.baseURI);
    const manifest = await (await fetchOk(url)).json();
    if (manifest.format !== "dlcv-live-1") throw new Error(`unknown model format ${manifest.format}`);
    const buffer = await (await fetchOk(new URL(manifest.weights, url))).arrayBuffer();
    if (buffer.byteLength !== manifest.weightsBytes) {
      throw new Error(`${manifest.weights} has ${buffer.byteLength} bytes, not ${manifest.weightsBytes}`);
    }
    const values = float32s(buffer);
    const slice = (spec) => values.subarray(spec.offset, spec.offset + spec.shape.reduce((a, b) => a * b, 1));
    const layers = manifest.layers.map((layer) => ({
      ...layer,
      kernel: layer.kernel && slice(layer.kernel),
      kernelShape: layer.kernel && layer.kernel.shape,
      bias: layer.bias && slice(layer.bias),
    }));
    const digits = manifest.digits.map((digit) => ({
      ...digit,
      pixels: Uint8Array.from(atob(digit.pixels), (ch) => ch.charCodeAt(0)),
    }));
    return { manifest, layers, digits, inputShape: manifest.inputShape, classes: manifest.classes };
  }

  // --- Colours and DOM helpers -------------------------------------------------------------

  const VIRIDIS = [
    [68, 1, 84], [72, 40, 120], [62, 74, 137], [49, 104, 142], [38, 130, 142],
    [31, 158, 137], [53, 183, 121], [109, 205, 89], [180, 222, 44], [253, 231, 37],
  ];
  const VIRIDIS_LUT = (() => {
    const lut = new Uint8ClampedArray(256 * 3);
    for (let k = 0; k < 256; k++) {
      const x = (k / 255) * (VIRIDIS.length - 1);
      const i = Math.min(Math.floor(x), VIRIDIS.length - 2);
      const f = x - i;
      for (let m = 0; m < 3; m++) lut[3 * k + m] = Math.round(VIRIDIS[i][m] + f * (VIRIDIS[i + 1][m] - VIRIDIS[i][m]));
    }
    return lut;
  })();

  function element(tag, attributes = {}, text = "") {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    if (text) node.textContent = text;
    return node;
  }

  function percent(p) {
    return `${(100 * p).toFixed(1)}%`;
  }

  function article(label) {
    return /^8/.test(label) ? `an ${label}` : `a ${label}`;
  }

  function shapeText(shape) {
    return `(None, ${shape.join(", ")})`;
  }

  /** Columns of the tile grid for `channels` maps: a power of two near the square root. */
  function tileColumns(channels) {
    return 2 ** Math.ceil(Math.log2(Math.sqrt(channels)));
  }

  // --- One widget --------------------------------------------------------------------------

  function LiveDigit(container, model) {
    const id = `live-digit-${++instances}`;
    const state = { pendingSince: null, frame: 0, drawing: false, last: null, picked: null };
    const api = { ready: false, timings: [], layers: model.layers, digits: model.digits };
    container.liveDigit = api;

    // The drawing pad, the model's input, the class probabilities
    const pad = element("canvas", {
      class: "live-digit__pad", width: String(PAD_SIDE), height: String(PAD_SIDE), role: "img",
      "aria-label": "Drawing pad: draw a digit here with the mouse, a pen or a finger.",
    });
    const padContext = pad.getContext("2d", { willReadFrequently: true });
    const inputCanvas = element("canvas", {
      class: "live-digit__input", width: String(INPUT_SIDE), height: String(INPUT_SIDE), role: "img",
      "aria-label": "The 28 by 28 input the model receives.",
    });
    const inputContext = inputCanvas.getContext("2d");
    const inputImage = inputContext.createImageData(INPUT_SIDE, INPUT_SIDE);

    const table = element("table", { class: "live-digit__probabilities" });
    table.append(element("caption", {}, "Class probabilities"));
    const head = element("tr");
    head.append(element("th", { scope: "col" }, "Digit"), element("th", { scope: "col" }, "Probability"));
    table.append(element("thead"));
    table.tHead.append(head);
    const body = element("tbody");
    const rows = model.classes.map((name) => {
      const row = element("tr", { "data-class": name });
      const value = element("span", { class: "live-digit__value" }, "–");
      const bar = element("span", { class: "live-digit__bar", "aria-hidden": "true" });
      const cell = element("td");
      cell.append(bar, value);
      row.append(element("th", { scope: "row" }, name), cell);
      body.append(row);
      return { row, bar, value };
    });
    table.append(body);

    const panel = (title, ...children) => {
      const node = element("div", { class: "live-digit__panel" });
      node.append(element("p", { class: "live-digit__panel-title" }, title), ...children);
      return node;
    };
    const panels = element("div", { class: "live-digit__panels" });
    panels.append(
      panel("Draw a digit", pad),
      panel("What the model receives: 28 × 28", inputCanvas),
      panel("What it answers", table),
    );

    // Controls: a test digit to pick (the keyboard's way in), clear
    const select = element("select", { id: `${id}-digit`, class: "live-digit__select" });
    select.append(element("option", { value: "" }, "Your drawing"));
    model.digits.forEach((digit, i) => {
      const label = model.classes[digit.label];
      const text = digit.label === digit.predicted
        ? `${article(label)} (test image ${digit.index})`
        : `${article(label)} read as ${model.classes[digit.predicted]} (test image ${digit.index})`;
      select.append(element("option", { value: String(i) }, text));
    });
    const selectLabel = element("label", { for: select.id }, "Test digit");
    const clear = element("button", { type: "button", class: "live-digit__button" }, "Clear");
    const controls = element("div", { class: "live-digit__controls" });
    controls.append(selectLabel, select, clear);

    const status = element("p", { class: "live-digit__status", "aria-live": "polite", id: `${id}-status` },
      "Draw a digit on the black pad, or pick a test digit.");

    // Feature maps of each convolution and pooling layer
    const maps = element("div", { class: "live-digit__layers" });
    const mapViews = [];
    model.layers.forEach((layer, index) => {
      if (layer.type !== "conv2d" && layer.type !== "max_pool2d") return;
      const [h, w, c] = layer.outputShape;
      const columns = tileColumns(c);
      const tileRows = Math.ceil(c / columns);
      const canvas = element("canvas", {
        class: "live-digit__maps", width: String(columns * (w + 1) - 1), height: String(tileRows * (h + 1) - 1),
        role: "img", "data-layer": layer.name,
        "aria-label": `Feature maps of layer ${layer.name} (${layer.class}): ${c} maps of ${h} by ${w}.`,
      });
      const title = element("p", { class: "live-digit__layer-title" });
      title.append(element("code", {}, layer.name), ` (${layer.class}) `, element("code", {}, shapeText(layer.outputShape)));
      const section = element("div", { class: "live-digit__layer" });
      section.append(title, canvas);
      maps.append(section);
      const context = canvas.getContext("2d");
      mapViews.push({ index, canvas, context, image: context.createImageData(canvas.width, canvas.height), columns });
    });

    const hint = element("p", { class: "live-digit__hint" },
      "Each map is coloured from zero (dark violet) to its own highest value (yellow). " +
      "Draw over a picked test digit to change it; Clear starts again.");
    const figure = element("figure", { class: "live-digit__figure", "aria-describedby": status.id });
    const layerHeading = element("p", { class: "live-digit__panel-title" }, "Feature maps, layer by layer");
    figure.append(controls, panels, status, layerHeading, maps, hint);
    if (container.dataset.caption) figure.append(element("figcaption", {}, container.dataset.caption));
    container.replaceChildren(figure);
    container.classList.add("live-digit--ready");

    // Drawing
    padContext.lineCap = "round";
    padContext.lineJoin = "round";
    padContext.lineWidth = STROKE_WIDTH;
    padContext.strokeStyle = "#fff";
    padContext.fillStyle = "#fff";

    function padPoint(event) {
      const rect = pad.getBoundingClientRect();
      return [(event.clientX - rect.left) * (PAD_SIDE / rect.width), (event.clientY - rect.top) * (PAD_SIDE / rect.height)];
    }

    function strokeTo(point) {
      padContext.beginPath();
      padContext.moveTo(...state.last);
      padContext.lineTo(...point);
      padContext.stroke();
      state.last = point;
    }

    pad.addEventListener("pointerdown", (event) => {
      if (event.button !== 0) return;
      event.preventDefault();
      try {
        pad.setPointerCapture(event.pointerId); // keep the stroke when it leaves the pad
      } catch (error) {
        // a pointer the browser no longer tracks: draw without capture
      }
      state.drawing = true;
      if (state.picked !== null) {
        state.picked = null;
        select.value = "";
      }
      const point = padPoint(event);
      padContext.beginPath();
      padContext.arc(point[0], point[1], STROKE_WIDTH / 2, 0, 2 * Math.PI);
      padContext.fill();
      state.last = point;
      schedule(event.timeStamp);
    });
    pad.addEventListener("pointermove", (event) => {
      if (!state.drawing) return;
      const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
      for (const e of events.length ? events : [event]) strokeTo(padPoint(e));
      schedule(event.timeStamp);
    });
    const endStroke = (event) => {
      if (!state.drawing) return;
      state.drawing = false;
      schedule(event.timeStamp, true);
    };
    pad.addEventListener("pointerup", endStroke);
    pad.addEventListener("pointercancel", endStroke);

    select.addEventListener("change", () => {
      if (select.value === "") clearAll();
      else pick(Number(select.value));
    });
    clear.addEventListener("click", () => {
      select.value = "";
      clearAll();
    });

    /** Runs the model at the next frame, once for every event since the last run. */
    function schedule(since, announce = false) {
      if (state.pendingSince === null || since < state.pendingSince) state.pendingSince = since;
      state.announce = state.announce || announce;
      if (state.frame) return;
      state.frame = requestAnimationFrame(() => {
        state.frame = 0;
        const pixels = padContext.getImageData(0, 0, PAD_SIDE, PAD_SIDE).data;
        const ink = new Float32Array(PAD_SIDE * PAD_SIDE);
        for (let i = 0; i < ink.length; i++) ink[i] = pixels[4 * i + 3] / 255;
        update(mnistInput(ink, PAD_SIDE, PAD_SIDE, model.manifest.boxSide));
      });
    }

    function update(input, description = null) {
      const started = performance.now();
      const outputs = forward(model, input);
      const computed = performance.now();
      const probabilities = outputs[outputs.length - 1].data;
      api.input = input;
      api.activations = outputs.map((o) => o.data);
      api.probabilities = probabilities;
      drawInput(input);
      drawMaps(outputs);
      drawProbabilities(probabilities);
      const blank = !input.some((v) => v > 0);
      if (state.announce || description) {
        status.textContent = blank
          ? "The pad is empty: draw a digit, or pick a test digit."
          : `${description || "Your drawing"}: the model reads ${describe(probabilities)}.`;
        state.announce = false;
      }
      const done = performance.now();
      if (state.pendingSince !== null) {
        api.timings.push({ latency: done - state.pendingSince, forward: computed - started, total: done - started });
        if (api.timings.length > MAX_TIMINGS) api.timings.shift();
        state.pendingSince = null;
      }
      api.updates = (api.updates || 0) + 1;
    }

    function describe(probabilities) {
      const order = Array.from(probabilities.keys()).sort((a, b) => probabilities[b] - probabilities[a]);
      const [first, second] = order;
      return `${article(model.classes[first])} (${percent(probabilities[first])}); ` +
        `second guess ${model.classes[second]} (${percent(probabilities[second])})`;
    }

    function drawInput(input) {
      const data = inputImage.data;
      for (let i = 0; i < input.length; i++) {
        const g = Math.round(input[i] * 255);
        data[4 * i] = data[4 * i + 1] = data[4 * i + 2] = g;
        data[4 * i + 3] = 255;
      }
      inputContext.putImageData(inputImage, 0, 0);
    }

    function drawMaps(outputs) {
      for (const view of mapViews) {
        const { data: values, shape: [h, w, c] } = outputs[view.index];
        const data = view.image.data;
        data.fill(0);
        const stride = view.canvas.width;
        for (let ch = 0; ch < c; ch++) {
          let top = 0;
          for (let p = ch; p < values.length; p += c) if (values[p] > top) top = values[p];
          const x0 = (ch % view.columns) * (w + 1);
          const y0 = Math.floor(ch / view.columns) * (h + 1);
          for (let y = 0; y < h; y++) {
            for (let x = 0; x < w; x++) {
              const v = values[(y * w + x) * c + ch];
              const k = top > 0 ? Math.round((Math.max(v, 0) / top) * 255) : 0;
              const o = 4 * ((y0 + y) * stride + x0 + x);
              data[o] = VIRIDIS_LUT[3 * k];
              data[o + 1] = VIRIDIS_LUT[3 * k + 1];
              data[o + 2] = VIRIDIS_LUT[3 * k + 2];
              data[o + 3] = 255;
            }
          }
        }
        view.context.putImageData(view.image, 0, 0);
      }
    }

    function drawProbabilities(probabilities) {
      let best = 0;
      probabilities.forEach((p, i) => { if (p > probabilities[best]) best = i; });
      rows.forEach(({ row, bar, value }, i) => {
        const p = probabilities[i];
        bar.style.width = `${(100 * p).toFixed(2)}%`;
        value.textContent = percent(p);
        value.dataset.value = String(p);
        row.classList.toggle("live-digit__top", i === best);
      });
    }

    function pick(i) {
      const digit = model.digits[i];
      state.picked = i;
      const input = new Float32Array(INPUT_SIDE * INPUT_SIDE);
      for (let p = 0; p < input.length; p++) input[p] = digit.pixels[p] / 255;
      // The pad shows the digit 10 times larger, so the reader can draw over it.
      const image = padContext.createImageData(PAD_SIDE, PAD_SIDE);
      const scale = PAD_SIDE / INPUT_SIDE;
      for (let y = 0; y < PAD_SIDE; y++) {
        for (let x = 0; x < PAD_SIDE; x++) {
          const o = 4 * (y * PAD_SIDE + x);
          image.data[o] = image.data[o + 1] = image.data[o + 2] = 255;
          image.data[o + 3] = digit.pixels[Math.floor(y / scale) * INPUT_SIDE + Math.floor(x / scale)];
        }
      }
      padContext.putImageData(image, 0, 0);
      update(input, `Test image ${digit.index}, labelled ${model.classes[digit.label]}`);
    }

    function clearAll() {
      state.picked = null;
      padContext.clearRect(0, 0, PAD_SIDE, PAD_SIDE);
      state.announce = true;
      update(new Float32Array(INPUT_SIDE * INPUT_SIDE));
    }

    api.pick = (i) => {
      select.value = String(i);
      pick(i);
    };
    api.clear = clearAll;
    update(new Float32Array(INPUT_SIDE * INPUT_SIDE));
    api.ready = true;
    container.dispatchEvent(new CustomEvent("live-digit-ready", { bubbles: true }));
  }

  // --- Start every widget on the page --------------------------------------------------------

  async function start(container) {
    container.classList.add("live-digit--loading");
    try {
      const model = await loadModel(container.dataset.manifest);
      LiveDigit(container, model);
    } catch (error) {
      const note = element("p", { class: "live-digit__error", role: "status" },
        `The live network could not load its weights (${error.message}). It needs the book's ` +
        "pages served over HTTP, as on the published site or with `make serve`.");
      container.append(note);
      console.error("live-digit:", error);
    } finally {
      container.classList.remove("live-digit--loading");
    }
  }

  function initAll() {
    for (const container of document.querySelectorAll(".live-digit:not(.live-digit--ready)")) start(container);
  }

  window.DlcvLiveDigit = { mnistInput, forward, loadModel };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", initAll);
  else initAll();
})();
