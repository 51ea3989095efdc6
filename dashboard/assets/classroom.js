// The Classroom's presentation view: the town's network, its counts, a live chart and the
// story, animated in the browser from a recorded run (sim.dashboard.livenet sends it once).
//
// Frames are drawn incrementally: each day only the households whose state changed are
// repainted, and the chart gains one segment, so playing costs a few milliseconds a frame
// and never asks the server for anything (no Streamlit rerun, no "Running" indicator).
// The server hears from this view only when the teacher pauses, seeks, turns a chapter or
// acts ("stop the subsidy now"); an action pauses on the day shown, the server records the
// edited run (the same market until that day) and the view continues from there.

const SPEEDS = [2, 5, 10, 20, 30]; // days per second
const PRIORITY = [0, 1, 3, 4, 2]; // paint order of state codes: partners on top, lapsed under

function el(tag, cls, parent, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}

function niceStep(span, target) {
  const raw = span / Math.max(1, target);
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

function fmt(n) {
  return Math.round(n).toLocaleString("en-US");
}

function mdToHtml(text) {
  const esc = text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  return esc.replace(/\*\*(.+?)\*\*/g, "<b>$1</b>");
}

class Classroom {
  constructor(root) {
    this.root = root;
    this.base = null;
    this.run = null;
    this.day = 0;
    this.playing = false;
    this.speed = 10;
    this.selected = -1;
    this.waiting = false;
    this.resume = false;
    this.stats = { frames: 0, first: 0, last: 0, gaps: [], playing: false, day: 0, full: 0 };
    window.__symbiosimClassroom = this.stats;
    this.build();
    this.onResize = () => this.layout(true);
    window.addEventListener("resize", this.onResize);
  }

  bind(setStateValue, setTriggerValue) {
    this.setStateValue = setStateValue;
    this.setTriggerValue = setTriggerValue;
  }

  // ------------------------------------------------------------------ DOM
  build() {
    const w = el("div", "cl", this.root);
    w.setAttribute("data-testid", "classroom-view");
    this.wrap = w;
    const pic = el("div", "cl-pic", w);
    pic.setAttribute("data-testid", "classroom-network");
    this.pic = pic;
    this.net = el("canvas", "cl-net", pic);
    this.over = el("canvas", "cl-over", pic);
    this.card = el("div", "cl-card", pic);
    this.card.setAttribute("data-testid", "classroom-household");
    this.card.hidden = true;
    this.busy = el("div", "cl-busy", pic);
    this.busy.hidden = true;
    this.over.addEventListener("click", (e) => this.onClick(e));
    this.over.addEventListener("mousemove", (e) => this.onHover(e));

    const side = el("div", "cl-side", w);
    this.side = side;
    const bar = el("div", "cl-bar", side);
    this.bPlay = el("button", "cl-btn cl-primary", bar, "▶ Play");
    this.bPlay.setAttribute("data-testid", "classroom-play");
    this.bStep = el("button", "cl-btn", bar, "Step +1 day");
    this.bStep.setAttribute("data-testid", "classroom-step");
    this.bReset = el("button", "cl-btn", bar, "⟲ Reset");
    this.bBack = el("button", "cl-btn", bar, "◀ Chapter");
    this.bNext = el("button", "cl-btn", bar, "Chapter ▶");
    this.bNext.setAttribute("data-testid", "classroom-next");
    this.speedSel = el("select", "cl-speed", bar);
    for (const s of SPEEDS) {
      const o = el("option", null, this.speedSel, `${s} days/s`);
      o.value = String(s);
    }
    this.speedSel.value = String(this.speed);
    this.bPlay.onclick = () => (this.playing ? this.pause(true) : this.play());
    this.bStep.onclick = () => {
      this.pause(false);
      this.advanceTo(Math.min(this.day + 1, this.days));
      this.report();
    };
    this.bReset.onclick = () => {
      this.pause(false);
      this.seek(0);
      this.report();
    };
    this.bBack.onclick = () => this.chapterMove(-1);
    this.bNext.onclick = () => this.chapterMove(1);
    this.speedSel.onchange = () => {
      this.speed = Number(this.speedSel.value);
      if (this.playing) this.restartClock();
    };
    this.scrub = el("input", "cl-scrub", side);
    this.scrub.type = "range";
    this.scrub.min = "0";
    this.scrub.setAttribute("aria-label", "day");
    this.scrub.oninput = () => {
      this.pause(false);
      this.seek(Number(this.scrub.value));
    };
    this.scrub.onchange = () => this.report();

    const counts = el("div", "cl-counts", side);
    counts.setAttribute("data-testid", "classroom-counts");
    this.countEls = {};
    for (const [key, label] of [
      ["day", "Day"],
      ["active", "Active"],
      ["lapsed", "Lapsed"],
      ["partner", "Partners"],
      ["leaders", "Leaders working"],
    ]) {
      const c = el("div", "cl-count", counts);
      c.setAttribute("data-testid", `classroom-count-${key}`);
      el("div", "cl-count-label", c, label);
      this.countEls[key] = el("div", "cl-count-value", c, "0");
    }
    const chart = el("div", "cl-chart", side);
    chart.setAttribute("data-testid", "classroom-chart");
    this.chartBox = chart;
    this.hist = el("canvas", "cl-hist", chart);
    this.histOver = el("canvas", "cl-hist-over", chart);
    const text = el("div", "cl-text", side);
    text.setAttribute("data-testid", "classroom-text");
    this.textBox = text;
    this.textTitle = el("div", "cl-text-title", text);
    this.textBody = el("div", "cl-text-body", text);
    const act = el("div", "cl-act", side);
    act.setAttribute("data-testid", "classroom-actions");
    el("span", "cl-act-label", act, "Act now:");
    this.actBox = act;
    this.actButtons = {};
    const tune = el("div", "cl-tune", side);
    tune.setAttribute("data-testid", "classroom-tunes");
    this.tuneBox = tune;
    this.tuneInputs = {};
    const legend = el("div", "cl-legend", side);
    legend.setAttribute("data-testid", "classroom-legend");
    this.legend = legend;
  }

  // ------------------------------------------------------------------ data
  load(data) {
    if (data.run === this.run && data.base === this.base) return;
    const sameBase = data.base === this.base && this.data;
    this.data = data;
    this.run = data.run;
    this.days = data.days;
    this.n = data.n;
    this.states0 = Int8Array.from(data.states0);
    this.changes = data.changes;
    this.quits = data.quits;
    this.counts = data.counts;
    this.isLeader = new Uint8Array(this.n);
    this.leaderOf = new Int32Array(this.n).fill(-1);
    data.leaders.forEach((l, k) => {
      this.isLeader[l] = 1;
      this.leaderOf[l] = k;
    });
    this.scrub.max = String(this.days);
    this.story = data.chapters.length > 0;
    this.bBack.hidden = this.bNext.hidden = !this.story;
    this.buildActions();
    this.buildTunes();
    this.buildLegend();
    this.waiting = false;
    this.busy.hidden = true;
    if (!sameBase) {
      this.base = data.base;
      this.selected = -1;
      this.card.hidden = true;
      this.playing = false;
      this.layout(false);
      this.seek(Math.min(data.start_day || 0, this.days));
    } else {
      const d = data.from_day === null || data.from_day === undefined ? this.day : data.from_day;
      this.seek(Math.min(d, this.days));
      if (this.resume) {
        this.resume = false;
        this.play();
      }
    }
  }

  buildActions() {
    for (const b of Object.values(this.actButtons)) b.remove();
    this.actButtons = {};
    for (const a of this.data.actions) {
      const b = el("button", "cl-btn cl-act-btn", this.actBox, a.label);
      b.title = a.help;
      b.setAttribute("data-testid", `classroom-act-${a.key}`);
      b.onclick = () => this.act(a.key);
      this.actButtons[a.key] = b;
    }
  }

  buildTunes() {
    this.tuneBox.textContent = "";
    this.tuneInputs = {};
    for (const t of this.data.tunables) {
      const box = el("label", "cl-tune-item", this.tuneBox);
      box.title = t.help;
      const head = el("span", "cl-tune-head", box);
      el("span", "cl-tune-label", head, t.label);
      const shown = el("b", "cl-tune-value", head);
      const input = el("input", "cl-tune-input", box);
      input.type = "range";
      input.min = String(t.lo);
      input.max = String(Math.max(t.hi, t.base));
      input.step = String(t.step);
      input.setAttribute("data-testid", `classroom-tune-${t.path}`);
      const unit = t.unit === "%" ? "%" : t.unit === "yuan" ? " ¥" : "";
      input.oninput = () => (shown.textContent = `${Number(input.value).toFixed(t.step < 1 ? 1 : 0)}${unit}`);
      input.onchange = () => this.tune(t, Number(input.value));
      this.tuneInputs[t.path] = { input, shown, unit, t };
    }
  }

  tuneValue(t) {
    let v = t.base;
    for (const [d, value] of t.changes) if (d <= this.day) v = value;
    return v;
  }

  tune(t, value) {
    if (this.waiting || Math.abs(value - this.tuneValue(t)) < 1e-9) return;
    this.resume = this.playing;
    this.playing = false;
    this.waiting = true;
    this.busy.textContent = `Recomputing from day ${this.day}…`;
    this.busy.hidden = false;
    this.update();
    this.setTriggerValue("tune", { path: t.path, value, day: this.day, base: this.base });
  }

  buildLegend() {
    this.legend.textContent = "";
    for (const s of this.data.states) {
      const item = el("span", "cl-leg", this.legend);
      item.title = s.help;
      const dot = el("span", "cl-dot", item);
      dot.style.background = s.colour;
      el("span", null, item, s.name);
    }
    for (const [cls, name] of [
      ["cl-sq", "leader (团长)"],
      ["cl-sq cl-sq-quit", "quit leading"],
    ]) {
      const item = el("span", "cl-leg", this.legend);
      el("span", cls, item);
      el("span", null, item, name);
    }
  }

  // ------------------------------------------------------------------ geometry
  layout(redraw) {
    const top = this.wrap.getBoundingClientRect().top + window.scrollY;
    const avail = Math.max(380, Math.min(1100, window.innerHeight - top - 10));
    const width = this.wrap.clientWidth || 900;
    const side = Math.floor(Math.max(280, Math.min(avail, width * 0.52)));
    this.wrap.style.height = `${avail}px`;
    // type grows with the screen: a projector at 1080 lines reads from the back of the room
    this.wrap.style.setProperty("--s", String(Math.max(1, Math.min(1.45, avail / 620))));
    this.pic.style.width = `${side}px`;
    this.pic.style.height = `${side}px`;
    this.side.style.width = `${Math.max(300, width - side - 16)}px`;
    // the chart has a fixed share of the height; the day's text takes what is left (and
    // shrinks its type to fit), so nothing moves while the days go by
    this.chartBox.style.height = `${Math.round(Math.max(110, Math.min(300, avail * 0.27)))}px`;
    this.size = side;
    this.dpr = window.devicePixelRatio || 1;
    for (const c of [this.net, this.over]) {
      c.width = Math.round(side * this.dpr);
      c.height = Math.round(side * this.dpr);
      c.style.width = c.style.height = `${side}px`;
    }
    if (!this.data) return;
    this.px = new Float32Array(this.n * 2);
    const margin = 0.03;
    const xy = this.data.xy;
    for (let i = 0; i < this.n; i++) {
      this.px[2 * i] = (margin + (xy[2 * i] / 10000) * (1 - 2 * margin)) * side;
      this.px[2 * i + 1] = (margin + (xy[2 * i + 1] / 10000) * (1 - 2 * margin)) * side;
    }
    this.r = Math.max(1.6, this.data.r * side * (1 - 2 * margin));
    this.background();
    this.layoutChart();
    if (redraw) {
      this.drawAll();
      this.drawChart();
      this.fitText();
      this.countShape = null;
      this.update();
    }
  }

  background() {
    const c = document.createElement("canvas");
    c.width = this.net.width;
    c.height = this.net.height;
    const g = c.getContext("2d");
    g.scale(this.dpr, this.dpr);
    g.fillStyle = "#ffffff";
    g.fillRect(0, 0, this.size, this.size);
    const e = this.data.edges;
    const comm = this.data.community;
    g.lineWidth = 0.6;
    for (const pass of [0, 1]) {
      g.strokeStyle = pass === 0 ? "rgba(110,110,150,0.07)" : "rgba(110,110,140,0.30)";
      g.beginPath();
      for (let k = 0; k < e.length; k += 2) {
        const a = e[k];
        const b = e[k + 1];
        if ((comm[a] === comm[b]) !== (pass === 1)) continue;
        g.moveTo(this.px[2 * a], this.px[2 * a + 1]);
        g.lineTo(this.px[2 * b], this.px[2 * b + 1]);
      }
      g.stroke();
    }
    this.bg = c;
  }

  // ------------------------------------------------------------------ state
  stateAt(day) {
    const st = Int8Array.from(this.states0);
    const act = new Uint8Array(this.data.leaders.length).fill(1);
    for (let d = 0; d < day; d++) {
      const ch = this.changes[d];
      for (let k = 0; k < ch.length; k += 2) st[ch[k]] = ch[k + 1];
      for (const q of this.quits[d]) act[q] = 0;
    }
    return [st, act];
  }

  seek(day) {
    [this.states, this.leaderActive] = this.stateAt(day);
    this.day = day;
    this.drawAll();
    this.drawChart();
    this.update();
  }

  advanceTo(target) {
    const t0 = performance.now();
    const changed = new Set();
    for (let d = this.day; d < target; d++) {
      const ch = this.changes[d];
      for (let k = 0; k < ch.length; k += 2) {
        this.states[ch[k]] = ch[k + 1];
        changed.add(ch[k]);
      }
      for (const q of this.quits[d]) {
        this.leaderActive[q] = 0;
        changed.add(this.data.leaders[q]);
      }
    }
    const from = this.day;
    this.day = target;
    const ctx = this.net.getContext("2d");
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    const order = [...changed].sort((a, b) => PRIORITY[this.states[a]] - PRIORITY[this.states[b]]);
    for (const i of order) this.drawNode(ctx, i);
    this.extendChart(from, target);
    this.update();
    this.frameDone(t0);
  }

  frameDone(t0) {
    const now = performance.now();
    const s = this.stats;
    if (s.frames > 0) {
      s.gaps.push(now - s.last);
      if (s.gaps.length > 2000) s.gaps.shift();
    } else {
      s.first = now;
    }
    s.frames += 1;
    s.last = now;
    s.day = this.day;
    s.drawMs = now - t0;
  }

  // ------------------------------------------------------------------ network
  drawNode(ctx, i) {
    const x = this.px[2 * i];
    const y = this.px[2 * i + 1];
    const colour = this.data.states[this.states[i]].colour;
    if (this.isLeader[i]) {
      const s = this.r * 1.9;
      const on = this.leaderActive[this.leaderOf[i]];
      ctx.fillStyle = on ? "#141414" : "#969696";
      ctx.fillRect(x - s, y - s, 2 * s, 2 * s);
      const inner = s - Math.max(1.2, this.r * 0.45);
      ctx.fillStyle = on ? colour : "#ffffff";
      ctx.fillRect(x - inner, y - inner, 2 * inner, 2 * inner);
      return;
    }
    ctx.fillStyle = colour;
    ctx.beginPath();
    ctx.arc(x, y, this.r, 0, 2 * Math.PI);
    ctx.fill();
  }

  drawAll() {
    if (!this.bg || !this.states) return;
    const ctx = this.net.getContext("2d");
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(this.bg, 0, 0);
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    const order = [...Array(this.n).keys()].sort(
      (a, b) => this.isLeader[a] - this.isLeader[b] || PRIORITY[this.states[a]] - PRIORITY[this.states[b]],
    );
    for (const i of order) this.drawNode(ctx, i);
    this.drawSelection();
    this.stats.full += 1;
  }

  nearest(e) {
    const rect = this.over.getBoundingClientRect();
    const x = e.clientX - rect.left;
    const y = e.clientY - rect.top;
    let best = -1;
    let bestD = (this.r * 2.5) ** 2;
    for (let i = 0; i < this.n; i++) {
      const d = (this.px[2 * i] - x) ** 2 + (this.px[2 * i + 1] - y) ** 2;
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    }
    return best;
  }

  onHover(e) {
    this.over.style.cursor = this.nearest(e) >= 0 ? "pointer" : "default";
  }

  onClick(e) {
    const i = this.nearest(e);
    this.selected = i;
    this.card.hidden = i < 0;
    this.drawSelection();
    if (i >= 0) this.showCard();
  }

  drawSelection() {
    const ctx = this.over.getContext("2d");
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.over.width, this.over.height);
    if (this.selected < 0 || !this.px) return;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.strokeStyle = "#000000";
    ctx.lineWidth = 2.5;
    ctx.beginPath();
    ctx.arc(this.px[2 * this.selected], this.px[2 * this.selected + 1], this.r * 2.6, 0, 2 * Math.PI);
    ctx.stroke();
  }

  history(i) {
    const out = [[0, this.states0[i]]];
    const li = this.leaderOf[i];
    for (let d = 0; d < this.day; d++) {
      const ch = this.changes[d];
      for (let k = 0; k < ch.length; k += 2) if (ch[k] === i) out.push([d + 1, ch[k + 1]]);
      if (li >= 0 && this.quits[d].includes(li)) out.push([d + 1, -1]);
    }
    return out;
  }

  showCard() {
    const i = this.selected;
    if (i < 0) return;
    const d = this.data;
    const hist = this.history(i);
    const names = d.states.map((s) => s.name);
    const colours = d.states.map((s) => s.colour);
    const card = this.card;
    card.textContent = "";
    const head = el("div", "cl-card-head", card);
    el("b", null, head, `Household ${i}`);
    const close = el("button", "cl-card-close", head, "×");
    close.onclick = () => {
      this.selected = -1;
      card.hidden = true;
      this.drawSelection();
    };
    const seg = d.segment_names[d.segments[i]].replace(/_/g, " ");
    const role = this.isLeader[i] ? " · neighbourhood leader (团长)" : "";
    el("div", null, card, `${seg} · neighbourhood ${d.community[i]} · ${d.degree[i]} contacts${role}`);
    const now = el("div", "cl-card-now", card);
    now.innerHTML = `Day ${this.day}: <span style="color:${colours[this.states[i]]}">●</span> <b>${names[this.states[i]]}</b>`;
    const strip = el("canvas", "cl-strip", card);
    strip.width = 260;
    strip.height = 14;
    const g = strip.getContext("2d");
    const span = Math.max(1, this.days);
    for (let k = 0; k < hist.length; k++) {
      const [day, code] = hist[k];
      if (code < 0) continue;
      const next = k + 1 < hist.length ? hist[k + 1][0] : this.day;
      g.fillStyle = colours[code];
      g.fillRect((day / span) * 260, 0, Math.max(1, ((next - day) / span) * 260), 14);
    }
    const bought = (d.purchases[i] || []).filter((day) => day < this.day);
    g.fillStyle = "#111111";
    for (const day of bought) g.fillRect((day / span) * 260, 9, 1.2, 5);
    el(
      "div",
      "cl-card-buys",
      card,
      bought.length
        ? `${bought.length} purchase${bought.length > 1 ? "s" : ""} so far, the last on day ${bought[bought.length - 1]}`
        : "no purchase yet",
    ).setAttribute("data-testid", "classroom-household-purchases");
    const list = el("div", "cl-card-hist", card);
    const steps = hist.map(([day, code]) => (code < 0 ? `day ${day}: quit leading` : `day ${day}: ${names[code]}`));
    list.textContent = steps.slice(-8).join(" → ");
    const x = this.px[2 * i];
    const y = this.px[2 * i + 1];
    card.style.left = `${Math.min(Math.max(4, x + 14), this.size - 290)}px`;
    card.style.top = `${Math.min(Math.max(4, y - 20), this.size - 150)}px`;
  }

  // ------------------------------------------------------------------ chart
  layoutChart() {
    const box = this.chartBox.getBoundingClientRect();
    const w = Math.max(200, Math.floor(box.width));
    const h = Math.max(120, Math.floor(box.height));
    for (const c of [this.hist, this.histOver]) {
      c.width = Math.round(w * this.dpr);
      c.height = Math.round(h * this.dpr);
      c.style.width = `${w}px`;
      c.style.height = `${h}px`;
    }
    this.cw = w;
    this.ch = h;
    const series = this.series();
    let ymax = 1;
    for (const s of series) for (const v of s.values) ymax = Math.max(ymax, v);
    const step = niceStep(ymax, 4);
    this.ymax = Math.ceil(ymax / step) * step;
    this.ystep = step;
    this.m = { l: 54, r: 10, t: 10, b: 28 };
  }

  series() {
    const c = this.counts;
    const col = this.data.states;
    const pick = (f) => c.map(f);
    return [
      { name: "active", colour: col[2].colour, values: pick((r) => r[2] + r[3]) },
      { name: "lapsed", colour: col[4].colour, values: pick((r) => r[4]) },
      { name: "partners", colour: col[3].colour, values: pick((r) => r[3]) },
      { name: "aware", colour: col[1].colour, values: pick((r) => r[1]) },
    ];
  }

  xAt(day) {
    return this.m.l + (day / Math.max(1, this.days)) * (this.cw - this.m.l - this.m.r);
  }

  yAt(v) {
    return this.m.t + (1 - v / this.ymax) * (this.ch - this.m.t - this.m.b);
  }

  drawChart() {
    if (!this.counts || !this.cw) return;
    const g = this.hist.getContext("2d");
    g.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    g.clearRect(0, 0, this.cw, this.ch);
    g.font = "13px sans-serif";
    g.fillStyle = "#444";
    g.strokeStyle = "#e3e3e3";
    g.lineWidth = 1;
    g.textAlign = "right";
    g.textBaseline = "middle";
    for (let v = 0; v <= this.ymax + 1e-9; v += this.ystep) {
      const y = this.yAt(v);
      g.beginPath();
      g.moveTo(this.m.l, y);
      g.lineTo(this.cw - this.m.r, y);
      g.stroke();
      g.fillText(fmt(v), this.m.l - 6, y);
    }
    g.textAlign = "center";
    g.textBaseline = "top";
    const xs = niceStep(this.days, 6);
    for (let d = 0; d <= this.days - xs / 2; d += xs) g.fillText(String(d), this.xAt(d), this.ch - this.m.b + 6);
    g.textAlign = "right";
    g.fillText("day", this.cw - this.m.r, this.ch - this.m.b + 6);
    g.save();
    g.translate(12, this.m.t + (this.ch - this.m.t - this.m.b) / 2);
    g.rotate(-Math.PI / 2);
    g.textAlign = "center";
    g.fillText("households", 0, -6);
    g.restore();
    this.extendChart(0, this.day);
  }

  extendChart(from, to) {
    if (!this.cw || to <= from) {
      this.drawNow();
      return;
    }
    const g = this.hist.getContext("2d");
    g.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    g.lineWidth = 2.2;
    for (const s of this.series()) {
      g.strokeStyle = s.colour;
      g.beginPath();
      g.moveTo(this.xAt(from), this.yAt(s.values[from]));
      for (let d = from + 1; d <= to; d++) g.lineTo(this.xAt(d), this.yAt(s.values[d]));
      g.stroke();
    }
    this.drawNow();
  }

  drawNow() {
    if (!this.cw) return;
    const g = this.histOver.getContext("2d");
    g.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    g.clearRect(0, 0, this.cw, this.ch);
    const x = this.xAt(this.day);
    g.strokeStyle = "rgba(0,0,0,0.45)";
    g.setLineDash([4, 3]);
    g.beginPath();
    g.moveTo(x, this.m.t);
    g.lineTo(x, this.ch - this.m.b);
    g.stroke();
  }

  // ------------------------------------------------------------------ text, counts
  chapterIndex() {
    let k = -1;
    this.data.chapters.forEach((c, i) => {
      if (c[0] <= this.day) k = i;
    });
    return k;
  }

  update() {
    const c = this.counts[this.day];
    this.countEls.day.textContent = `${this.day} / ${this.days}`;
    this.countEls.active.textContent = fmt(c[2] + c[3]);
    this.countEls.lapsed.textContent = fmt(c[4]);
    this.countEls.partner.textContent = fmt(c[3]);
    this.countEls.leaders.textContent = `${this.data.working[this.day]} / ${this.data.leaders.length}`;
    this.scrub.value = String(this.day);
    const finished = this.day >= this.days;
    this.bPlay.disabled = finished && !this.playing;
    this.bStep.disabled = finished;
    this.bPlay.textContent = this.playing ? "⏸ Pause" : "▶ Play";
    if (this.story) {
      const k = this.chapterIndex();
      const chapters = this.data.chapters;
      this.bBack.disabled = k <= 0 && this.day <= (chapters[0] ? chapters[0][0] : 0);
      this.bNext.disabled = k >= chapters.length - 1;
      const title = k >= 0 ? `${k + 1}/${chapters.length} · ${chapters[k][1]}` : "";
      this.setText(title, k >= 0 ? chapters[k][2] : "");
    } else {
      this.setText(this.data.title, this.data.texts[this.day]);
    }
    for (const a of this.data.actions) {
      this.actButtons[a.key].disabled = this.waiting || finished || a.days[this.day] !== "1";
    }
    for (const { input, shown, unit, t } of Object.values(this.tuneInputs)) {
      if (document.activeElement === input && this.root.activeElement === input) continue;
      const v = this.tuneValue(t);
      input.value = String(v);
      input.disabled = this.waiting || finished;
      shown.textContent = `${Number(v).toFixed(t.step < 1 ? 1 : 0)}${unit}`;
    }
    if (this.selected >= 0 && !this.card.hidden) this.showCard();
    const shape = Object.values(this.countEls)
      .map((e) => e.textContent.length)
      .join(",");
    if (shape !== this.countShape) {
      this.countShape = shape;
      this.fitCounts();
    }
    this.stats.playing = this.playing;
    this.stats.day = this.day;
  }

  setText(title, body) {
    if (this.textTitle.textContent !== title) this.textTitle.textContent = title;
    const html = mdToHtml(body || "");
    if (this.textBody.__html !== html) {
      this.textBody.__html = html;
      this.textBody.innerHTML = html;
      this.fitText();
    }
  }

  fitCounts() {
    // the numbers at the largest type that fits their boxes (a projector's scale, a
    // narrow window): never cut, never wider than their cell
    const scale = Number(this.wrap.style.getPropertyValue("--s")) || 1;
    const cells = Object.values(this.countEls);
    let size = Math.round(28 * scale);
    const fits = () =>
      cells.every((e) => e.scrollWidth <= e.clientWidth + 1) &&
      [...this.root.querySelectorAll(".cl-count-label")].every((e) => e.scrollWidth <= e.clientWidth + 1);
    for (const e of cells) e.style.fontSize = `${size}px`;
    while (size > 14 && !fits()) {
      size -= 1;
      for (const e of cells) e.style.fontSize = `${size}px`;
      for (const e of this.root.querySelectorAll(".cl-count-label"))
        e.style.fontSize = `${Math.max(11, Math.round(size * 0.47))}px`;
    }
  }

  fitText() {
    const body = this.textBody;
    const scale = Number(this.wrap.style.getPropertyValue("--s")) || 1;
    let size = Math.round(18 * scale);
    body.style.fontSize = `${size}px`;
    while (size > 12 && body.scrollHeight > body.clientHeight + 1) {
      size -= 1;
      body.style.fontSize = `${size}px`;
    }
  }

  // ------------------------------------------------------------------ playing
  nextStop() {
    if (!this.story) return this.days;
    for (const c of this.data.chapters) if (c[0] > this.day) return c[0];
    return this.days;
  }

  restartClock() {
    this.t0 = performance.now();
    this.d0 = this.day;
  }

  play() {
    if (this.waiting) return;
    if (this.day >= this.days) return;
    this.playing = true;
    this.stop = this.nextStop();
    this.restartClock();
    this.update();
    const tick = (now) => {
      if (!this.playing) return;
      if (!this.wrap.isConnected) {
        this.playing = false;
        return;
      }
      const target = Math.min(this.stop, this.d0 + Math.floor(((now - this.t0) / 1000) * this.speed));
      if (target > this.day) this.advanceTo(target);
      if (this.day >= this.stop) {
        this.pause(true);
        return;
      }
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }

  pause(report) {
    const was = this.playing;
    this.playing = false;
    this.update();
    if (report && was) this.report();
  }

  chapterMove(delta) {
    const chapters = this.data.chapters;
    const k = this.chapterIndex();
    this.pause(false);
    if (delta > 0 && k + 1 < chapters.length) {
      // play on to the next chapter's day (the teacher sees it happen), then stop there
      this.play();
    } else if (delta < 0) {
      const back = this.day > chapters[Math.max(k, 0)][0] ? Math.max(k, 0) : Math.max(k - 1, 0);
      this.seek(chapters[back][0]);
      this.report();
    }
  }

  report() {
    if (!this.setStateValue) return;
    const k = this.story ? this.chapterIndex() : -1;
    this.setStateValue("view", { day: this.day, chapter: k + 1, base: this.base });
  }

  act(key) {
    if (this.waiting) return;
    this.resume = this.playing;
    this.playing = false;
    this.waiting = true;
    this.busy.textContent = `Recomputing from day ${this.day}…`;
    this.busy.hidden = false;
    this.update();
    this.setTriggerValue("act", { key, day: this.day, base: this.base });
  }
}

export default function (component) {
  const { data, parentElement, setStateValue, setTriggerValue } = component;
  let app = parentElement.__symbiosimClassroom;
  if (!app) {
    app = new Classroom(parentElement);
    parentElement.__symbiosimClassroom = app;
  }
  app.bind(setStateValue, setTriggerValue);
  if (data) app.load(data);
}
