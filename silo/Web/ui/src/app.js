// MeanFieldCluster dashboard: polls the silo's JSON API (/api) and draws with uPlot.
// No framework; every request is relative to the page, so the dashboard also works behind a path prefix.
(function () {
  "use strict";

  const POLL_MS = 1000;
  const $ = (id) => document.getElementById(id);

  // Colour-blind-safe colours (Okabe-Ito, then Tol), one per group in width order; the limit in black, dashed.
  const PALETTE = ["#e69f00", "#0072b2", "#009e73", "#cc79a7", "#d55e00", "#56b4e9", "#999933", "#882255", "#44aa99", "#332288"];
  const PDE_STYLE = { stroke: "#111", dash: [7, 5], width: 2 };

  const state = {
    selected: null,        // sweep id
    detail: null,          // last /api/sweeps/{id}
    canCancel: false,
    tick: 0,
    busy: false,
    finishedRefreshes: 0,  // refreshes done after the sweep reached a final state
    charts: {},            // name -> { plot, key }
    quantile: { feature: null, time: null },
    rates: { mode: null, estimator: null, view: null },
  };

  // ---------------------------------------------------------------- formatting

  function num(v, digits = 4) {
    if (v === null || v === undefined || !Number.isFinite(v)) return "–";
    if (v === 0) return "0";
    const a = Math.abs(v);
    if (a >= 1e5 || a < 1e-3) return v.toExponential(digits - 2).replace("e+", "e");
    return String(Number(v.toPrecision(digits)));
  }

  function int(v) { return Math.round(v).toLocaleString("en-US"); }

  function duration(seconds) {
    if (!Number.isFinite(seconds)) return "–";
    const s = Math.round(seconds);
    if (s < 60) return `${s} s`;
    if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
    return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  }

  function el(tag, attrs = {}, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "class") e.className = v;
      else if (k === "dataset") Object.assign(e.dataset, v);
      else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return e;
  }

  function bar(fraction, stateName) {
    const b = el("div", { class: "bar" + (stateName === "completed" ? " done" : stateName === "cancelled" ? " cancelled" : "") });
    const f = el("div", { class: "fill" });
    f.style.width = `${(100 * fraction).toFixed(2)}%`;
    b.append(f);
    return b;
  }

  // ---------------------------------------------------------------- API

  async function api(path, options) {
    const response = await fetch(path, Object.assign({ headers: { Accept: "application/json" }, cache: "no-store" }, options));
    let body = null;
    try { body = await response.json(); } catch { /* not JSON */ }
    if (!response.ok) {
      const message = body && body.error ? body.error : `${response.status} ${response.statusText}`;
      const error = new Error(message);
      error.status = response.status;
      throw error;
    }
    return body;
  }

  const sweepPath = (id) => `api/sweeps/${encodeURIComponent(id)}`;

  function setConnection(ok, text) {
    const c = $("connection");
    c.dataset.state = ok ? "live" : "error";
    c.textContent = text;
  }

  function showMessage(text, isError) {
    const m = $("message");
    m.hidden = !text;
    m.textContent = text || "";
    m.classList.toggle("error", !!isError);
  }

  // ---------------------------------------------------------------- sweeps list

  async function refreshList() {
    const view = await api("api/sweeps");
    state.canCancel = view.can_cancel;
    const list = $("sweep-list");
    list.replaceChildren(...view.sweeps.map((s) => {
      const li = el("li", { dataset: { sweepId: s.id, state: s.state } },
        el("div", { class: "row1" }, el("span", { class: "name", title: s.name }, s.name), el("span", { class: `badge ${s.state}` }, s.state)),
        el("div", { class: "id", title: s.id }, s.id),
        bar(s.fraction, s.state));
      li.classList.toggle("selected", s.id === state.selected);
      li.addEventListener("click", () => { location.hash = `#/sweeps/${encodeURIComponent(s.id)}`; });
      return li;
    }));
    $("sweep-count").textContent = view.total > view.sweeps.length ? `(${view.sweeps.length} of ${view.total})` : `(${view.total})`;
    $("no-sweeps").hidden = view.sweeps.length > 0;
    if (!state.selected && view.sweeps.length > 0) {
      // Nothing chosen yet: follow the newest running sweep, else the newest.
      const pick = view.sweeps.find((s) => s.state === "running") || view.sweeps[0];
      location.replace(`#/sweeps/${encodeURIComponent(pick.id)}`);
    }
  }

  // ---------------------------------------------------------------- one sweep

  function renderDetail(d) {
    $("empty").hidden = true;
    $("sweep").hidden = false;
    $("sweep-name").textContent = d.name;
    $("sweep-id").textContent = d.id;
    const badge = $("sweep-state");
    badge.className = `badge ${d.state}`;
    badge.textContent = d.state;
    $("cancel").hidden = !(state.canCancel && d.state === "running");

    const progress = $("overall-progress");
    progress.className = "bar big" + (d.state === "completed" ? " done" : d.state === "cancelled" ? " cancelled" : "");
    progress.querySelector(".fill").style.width = `${(100 * d.fraction).toFixed(2)}%`;
    progress.setAttribute("aria-valuenow", (100 * d.fraction).toFixed(1));
    progress.dataset.done = d.done_work;
    progress.dataset.total = d.total_work;
    progress.dataset.fraction = d.fraction;

    let eta = "";
    if (d.state === "running" && d.fraction > 0.01 && d.fraction < 1) {
      eta = ` · about ${duration(d.elapsed_seconds * (1 - d.fraction) / d.fraction)} left`;
    }
    $("progress-text").textContent = `${(100 * d.fraction).toFixed(1)}% · ${int(d.done_work)} of ${int(d.total_work)} ${d.work_unit} · ${duration(d.elapsed_seconds)}${eta}`;

    const counts = $("counts");
    counts.replaceChildren(...Object.entries(d.counts).filter(([, n]) => n > 0).map(([s, n]) => el("span", { class: `badge ${s}` }, `${n} ${s}`)));

    const ld = d.task === "large-deviations";
    $("risk-panel").hidden = ld;
    $("quantile-panel").hidden = ld;
    $("rate-panel").hidden = !ld;

    $("points").querySelector("thead th:nth-child(3)").textContent = ld ? "replicas" : "seed";
    const tbody = $("points").querySelector("tbody");
    tbody.replaceChildren(...d.point_rows.map((p) => el("tr", { dataset: { point: p.index, state: p.state } },
      el("td", { class: "num" }, p.index),
      el("td", {}, p.group),
      el("td", { class: "num" }, ld ? int(p.replicas) : p.seed),
      el("td", {}, el("span", { class: `badge ${p.state}` }, p.state)),
      el("td", {}, el("div", { class: "cell-progress" }, bar(p.fraction, p.state), el("span", {}, `${int(p.done)} / ${int(p.total)}`))))));
    $("points-note").textContent = d.points_shown < d.points ? `first ${d.points_shown} of ${d.points}` : `${d.points} points`;
  }

  // Builds a uPlot chart, or only replaces its data when the series are unchanged.
  function draw(name, container, key, makeOptions, data) {
    const existing = state.charts[name];
    if (existing && existing.key === key) {
      existing.plot.setData(data);
      return existing.plot;
    }
    if (existing) existing.plot.destroy();
    container.replaceChildren();
    const width = Math.max(320, container.clientWidth);
    const plot = new uPlot(Object.assign({ width, height: 300 }, makeOptions()), data, container);
    state.charts[name] = { plot, key };
    return plot;
  }

  // Legend values: under the cursor; with the cursor off the chart, at the front, the latest time any run
  // has reached (a series marked reference, the limit, is read there too rather than at its end).
  function front(u) {
    let last = -1;
    for (let si = 1; si < u.data.length; si++) {
      if (u.series[si].reference) continue;
      const d = u.data[si];
      for (let k = d.length - 1; k > last; k--) if (d[k] !== null && d[k] !== undefined) { last = k; break; }
    }
    return last;
  }

  function latest(u, v, si, i) {
    if (i !== null && i !== undefined) return num(v);
    const d = u.data[si];
    for (let k = front(u); k >= 0; k--) if (d[k] !== null && d[k] !== undefined) return num(d[k]);
    return "–";
  }

  function xValue(u, v, si, i) {
    if (i !== null && i !== undefined) return num(v);
    const f = front(u);
    return f < 0 ? "–" : `${num(u.data[0][f])} (latest)`;
  }

  function plural(n, word) { return `${n} ${word}${n === 1 ? "" : "s"}`; }

  function seriesStyle(i) {
    return { stroke: PALETTE[i % PALETTE.length], width: 1.8 };
  }

  function axis(label, extra) {
    return Object.assign({ label, labelSize: 18, size: 52, stroke: "#444", grid: { stroke: "#eef0f3", width: 1 }, ticks: { stroke: "#d5d9de", width: 1 } }, extra || {});
  }

  async function refreshRisk(id) {
    const view = await api(`${sweepPath(id)}/risk`);
    const container = $("risk-chart");
    const logY = $("risk-logy").checked;
    // A log axis has no t = 0: the first recorded risk (t = 0) is left out of the chart.
    const keep = view.times.map((t, i) => (t > 0 ? i : -1)).filter((i) => i >= 0);
    const xs = keep.map((i) => view.times[i]);
    const pick = (values) => keep.map((i) => {
      const v = values[i];
      return v === null || (logY && v <= 0) ? null : v;
    });
    const series = view.series.map((s) => pick(s.values));
    const data = [xs, ...series];
    if (view.pde) data.push(pick(view.pde.values));
    const labels = view.series.map((s) => s.label);
    const key = JSON.stringify([labels, !!view.pde, logY]);
    draw("risk", container, key, () => ({
      scales: { x: { time: false, distr: 3, log: 10, range: (u, min, max) => [min, max] }, y: logY ? { distr: 3, log: 10 } : { auto: true } },
      axes: [axis("t (mean-field time)", { space: 50 }), axis("risk", { size: 58, values: (u, vals) => vals.map((v) => num(v, 3)) })],
      series: [
        { label: "t", value: xValue },
        ...labels.map((label, i) => Object.assign({ label, spanGaps: true, points: { show: false }, value: latest }, seriesStyle(i))),
        ...(view.pde ? [Object.assign({ label: view.pde.label, reference: true, spanGaps: true, points: { show: false }, value: latest }, PDE_STYLE)] : []),
      ],
      legend: { live: true },
      cursor: { drag: { x: true, y: false } },
    }), data);
    container.dataset.seriesCount = view.series.length;
    container.dataset.nonemptySeries = series.filter((s) => s.some((v) => v !== null)).length;
    container.dataset.pde = view.pde ? "true" : "false";
    container.dataset.seriesLabels = JSON.stringify(labels);
    const notes = [];
    const reporting = view.series.reduce((a, s) => a + s.seeds_reporting, 0);
    const seeds = view.series.reduce((a, s) => a + s.seeds, 0);
    notes.push(`${reporting} of ${plural(seeds, "run")} reporting`);
    if (view.groups > view.series.length) notes.push(`first ${view.series.length} of ${view.groups} groups shown`);
    if (view.thinned) notes.push("times thinned");
    notes.push(pdeNote(view.pde_status));
    $("risk-note").textContent = notes.join(" · ");
  }

  function pdeNote(status) {
    if (status === "ready") return "dashed: mean-field limit (radial PDE at finite d)";
    if (status === "computing") return "solving the mean-field limit…";
    return `limit: ${status}`;
  }

  function fillSelect(select, options, selected) {
    const current = Array.from(select.options).map((o) => o.value).join("|");
    const next = options.map((o) => o.value).join("|");
    if (current !== next) {
      select.replaceChildren(...options.map((o) => el("option", { value: o.value }, o.label)));
    }
    select.value = selected;
  }

  async function refreshQuantiles(id) {
    const q = state.quantile;
    const params = new URLSearchParams();
    if (q.feature) params.set("feature", q.feature);
    if (q.time !== null) params.set("time", String(q.time));
    const view = await api(`${sweepPath(id)}/quantiles?${params}`);
    fillSelect($("q-feature"), view.features.map((f) => ({ value: f, label: f })), view.feature || "");
    fillSelect($("q-time"), [{ value: "", label: "latest" }, ...view.times.map((t) => ({ value: String(t), label: num(t) }))], q.time === null ? "" : String(q.time));
    const container = $("quantile-chart");
    const labels = view.series.map((s) => s.label);
    const data = [view.levels, ...view.series.map((s) => s.values)];
    if (view.pde) data.push(view.pde.values);
    const key = JSON.stringify([labels, !!view.pde, view.feature]);
    draw("quantiles", container, key, () => ({
      scales: { x: { time: false, range: [0, 1] }, y: { auto: true } },
      axes: [axis("quantile level p", { space: 50 }), axis(`Q(p) of ${view.feature || "feature"}`, { size: 58, values: (u, vals) => vals.map((v) => num(v, 3)) })],
      series: [
        { label: "p", value: (u, v, si, i) => (i === null || i === undefined ? "–" : num(v, 3)) },
        ...labels.map((label, i) => Object.assign({ label, spanGaps: true, points: { show: false }, value: (u, v, si, k) => (k === null || k === undefined ? "" : num(v)) }, seriesStyle(i))),
        ...(view.pde ? [Object.assign({ label: view.pde.label, points: { show: false }, value: (u, v, si, k) => (k === null || k === undefined ? "" : num(v)) }, PDE_STYLE)] : []),
      ],
      legend: { live: true },
    }), data);
    container.dataset.seriesCount = view.series.length;
    container.dataset.pde = view.pde ? "true" : "false";
    const reporting = view.series.reduce((a, s) => a + s.seeds_reporting, 0);
    $("quantile-note").textContent = view.time === null
      ? "no snapshot recorded yet"
      : `quantile function of the law of ${view.feature} over the neurons at t = ${num(view.time)}, pooled over seeds (${plural(reporting, "run")}) · ${view.feature === "w_norm" ? pdeNote(view.pde_status) : "the limit's law is shown for w_norm"}`;
  }

  async function refreshRates(id) {
    const view = await api(`${sweepPath(id)}/rates`);
    state.rates.view = view;
    drawRates();
  }

  function drawRates() {
    const view = state.rates.view;
    if (!view || !view.applicable) return;
    const r = state.rates;
    const modes = view.modes.map((m) => m.mode);
    if (!modes.includes(r.mode) || (!r.modeChosen && !view.modes.find((m) => m.mode === r.mode).curves.length)) {
      // Until the user picks one: the first mode with an estimate.
      r.mode = (view.modes.find((m) => m.curves.length > 0) || view.modes[0] || { mode: null }).mode;
    }
    fillSelect($("rate-mode"), modes.map((m) => ({ value: m, label: m })), r.mode || "");
    const mode = view.modes.find((m) => m.mode === r.mode);
    const curves = mode ? mode.curves : [];
    const estimators = [...new Set(curves.map((c) => c.estimator))];
    if (!estimators.includes(r.estimator)) r.estimator = estimators.includes("gartner-ellis") ? "gartner-ellis" : estimators[0] || null;
    fillSelect($("rate-estimator"), estimators.map((e) => ({ value: e, label: e })), r.estimator || "");
    const shown = curves.filter((c) => c.estimator === r.estimator);
    const xs = [...new Set(shown.flatMap((c) => c.x))].sort((a, b) => a - b);
    const align = (c, values) => xs.map((x) => { const i = c.x.indexOf(x); return i < 0 ? null : values[i]; });
    const data = [xs, ...shown.map((c) => align(c, c.value))];
    const bands = shown.map((c) => ({ lo: align(c, c.low), hi: align(c, c.high), censored: align(c, c.censored) }));
    const labels = shown.map((c) => (c.width === "inf" ? "N → ∞ (extrapolated)" : `N = ${c.width}`));
    const container = $("rate-chart");
    const key = JSON.stringify([labels, r.mode, r.estimator]);
    const plot = draw("rates", container, key, () => ({
      scales: { x: { time: false }, y: { auto: true, range: (u, min, max) => [Math.min(0, min), max > 0 ? max * 1.08 : 1] } },
      axes: [axis(`x (value of ${view.functional})`, { space: 50 }), axis("Î(x)", { size: 58, values: (u, vals) => vals.map((v) => num(v, 3)) })],
      series: [
        { label: "x", value: (u, v, si, i) => (i === null || i === undefined ? "–" : num(v)) },
        ...labels.map((label, i) => Object.assign(
          { label, spanGaps: false, points: { show: true, size: 5 }, value: (u, v, si, k) => (k === null || k === undefined ? "" : num(v)) },
          shown[i].width === "inf" ? PDE_STYLE : seriesStyle(i))),
      ],
      hooks: { draw: [(u) => drawIntervals(u)] },
      legend: { live: true },
    }), data);
    plot.intervals = bands;
    plot.redraw(false, false);
    container.dataset.seriesCount = shown.length;
    $("rate-functional").textContent = `F = ${view.functional} at T = ${num(view.time)}`;
    const notes = [view.source === "final"
      ? `all ${view.batches_used} batches`
      : `provisional: ${view.batches_used} of ${view.batches} batches finished`];
    if (shown.length === 0) {
      notes.push(r.mode === "quenched" ? "no estimate yet: every quenched draw needs finished batches at a width" : "no estimate yet: a width needs finished batches");
    } else {
      notes.push("bars: bootstrap 95% intervals", "open circles: censored (no tail hit; the value is a lower bound)", "dashed: extrapolation N → ∞");
    }
    $("rate-note").textContent = notes.join(" · ");
  }

  // Draws each curve's bootstrap interval as a vertical bar, and censored estimates as open circles.
  function drawIntervals(u) {
    const bands = u.intervals;
    if (!bands) return;
    const ctx = u.ctx;
    ctx.save();
    ctx.beginPath();
    ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
    ctx.clip();
    bands.forEach((band, k) => {
      const s = u.series[k + 1];
      if (!s.show) return;
      ctx.strokeStyle = typeof s.stroke === "function" ? s.stroke(u, k + 1) : s.stroke;
      ctx.lineWidth = 1.2 * devicePixelRatio;
      u.data[0].forEach((x, i) => {
        const cx = Math.round(u.valToPos(x, "x", true));
        if (band.lo[i] !== null && band.hi[i] !== null) {
          const y0 = u.valToPos(band.lo[i], "y", true), y1 = u.valToPos(band.hi[i], "y", true);
          ctx.beginPath();
          ctx.moveTo(cx, y0); ctx.lineTo(cx, y1);
          ctx.moveTo(cx - 3 * devicePixelRatio, y0); ctx.lineTo(cx + 3 * devicePixelRatio, y0);
          ctx.moveTo(cx - 3 * devicePixelRatio, y1); ctx.lineTo(cx + 3 * devicePixelRatio, y1);
          ctx.stroke();
        }
        if (band.censored[i] && u.data[k + 1][i] !== null) {
          ctx.beginPath();
          ctx.fillStyle = "#fff";
          ctx.arc(cx, u.valToPos(u.data[k + 1][i], "y", true), 4 * devicePixelRatio, 0, 2 * Math.PI);
          ctx.fill(); ctx.stroke();
        }
      });
    });
    ctx.restore();
  }

  // ---------------------------------------------------------------- polling

  function selectFromHash() {
    const match = /^#\/sweeps\/(.+)$/.exec(location.hash);
    const id = match ? decodeURIComponent(match[1]) : null;
    if (id !== state.selected) {
      state.selected = id;
      state.detail = null;
      state.finishedRefreshes = 0;
      state.quantile = { feature: null, time: null };
      state.rates = { mode: null, estimator: null, view: null };
      for (const c of Object.values(state.charts)) c.plot.destroy();
      state.charts = {};
      showMessage("");
      document.querySelectorAll("#sweep-list li").forEach((li) => li.classList.toggle("selected", li.dataset.sweepId === id));
      if (!id) { $("sweep").hidden = true; $("empty").hidden = false; }
      poll(true);
    }
  }

  async function refreshSweep(full) {
    const id = state.selected;
    if (!id) return;
    let detail;
    try {
      detail = await api(sweepPath(id));
    } catch (e) {
      if (e.status === 404 || e.status === 400) {
        $("sweep").hidden = true;
        $("empty").hidden = false;
        $("empty").textContent = e.message;
        return;
      }
      throw e;
    }
    if (id !== state.selected) return;
    state.detail = detail;
    renderDetail(detail);
    const running = detail.state === "running";
    if (!running) state.finishedRefreshes++;
    // While running: risk every second, laws every 3 s, rates every 4 s; once finished, twice more (final results, the limit).
    const live = running || state.finishedRefreshes <= 2 || full;
    const work = [];
    if (detail.task === "large-deviations") {
      if (live && (full || !running || state.tick % 4 === 0)) work.push(refreshRates(id));
    } else {
      if (live) work.push(refreshRisk(id));
      if (live && (full || !running || state.tick % 3 === 0)) work.push(refreshQuantiles(id));
    }
    await Promise.all(work);
  }

  async function poll(full) {
    if (state.busy && !full) return;
    state.busy = true;
    try {
      if (full || state.tick % 3 === 0) await refreshList();
      await refreshSweep(full);
      setConnection(true, `live · ${new Date().toLocaleTimeString("en-GB")}`);
    } catch (e) {
      setConnection(false, `no answer: ${e.message}`);
    } finally {
      state.busy = false;
      state.tick++;
    }
  }

  // ---------------------------------------------------------------- controls

  $("risk-logy").addEventListener("change", () => { if (state.selected) refreshRisk(state.selected).catch(() => {}); });
  $("q-feature").addEventListener("change", (e) => { state.quantile.feature = e.target.value || null; if (state.selected) refreshQuantiles(state.selected).catch((x) => showMessage(x.message, true)); });
  $("q-time").addEventListener("change", (e) => { state.quantile.time = e.target.value === "" ? null : Number(e.target.value); if (state.selected) refreshQuantiles(state.selected).catch((x) => showMessage(x.message, true)); });
  $("rate-mode").addEventListener("change", (e) => { state.rates.mode = e.target.value; state.rates.modeChosen = true; drawRates(); });
  $("rate-estimator").addEventListener("change", (e) => { state.rates.estimator = e.target.value; drawRates(); });
  $("cancel").addEventListener("click", async () => {
    const id = state.selected;
    if (!id || !confirm(`Cancel sweep ${id}?\nRunning points stop after their current chunk; finished results are kept.`)) return;
    $("cancel").disabled = true;
    try {
      const answer = await api(`${sweepPath(id)}/cancel`, { method: "POST", headers: { Accept: "application/json" } });
      showMessage(answer.message, false);
      state.finishedRefreshes = 0;
      await poll(true);
    } catch (e) {
      showMessage(`cancel refused: ${e.message}`, true);
    } finally {
      $("cancel").disabled = false;
    }
  });

  window.addEventListener("hashchange", selectFromHash);
  let resizeTimer = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      for (const [name, c] of Object.entries(state.charts)) {
        const container = { risk: "risk-chart", quantiles: "quantile-chart", rates: "rate-chart" }[name];
        c.plot.setSize({ width: Math.max(320, $(container).clientWidth), height: 300 });
      }
    }, 150);
  });

  selectFromHash();
  poll(true);
  setInterval(() => poll(false), POLL_MS);
})();
