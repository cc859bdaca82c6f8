/* chainrule practice mode: the student types each value of a worked solution first; the page
   marks it (right, follow-through, wrong) and then reveals the line. Reads its data from
   <script type="application/json" class="cr-practice-data">: per line the bounds that count
   as right and the follow-through tolerance, computed by chainrule (this script only
   compares), and the line's formula as a tree, which it evaluates with the student's own
   values (in intervals, as chainrule check does). Never writes markup from text: every word goes in through textContent. */
(function () {
  "use strict";

  // --- the activation table comes as data: each entry's value and derivative as trees ---
  function softmax(zs, k) {
    var top = Math.max.apply(null, zs);
    var sum = 0;
    var es = zs.map(function (z) { var e = Math.exp(z - top); sum += e; return e; });
    return es[k] / sum;
  }

  var WHOLE = [-Infinity, Infinity];

  function finite(x) { return isFinite(x[0]) && isFinite(x[1]); }

  function mul(a, b) {
    if (!finite(a) || !finite(b)) { return WHOLE; }
    var p = [a[0] * b[0], a[0] * b[1], a[1] * b[0], a[1] * b[1]];
    return [Math.min.apply(null, p), Math.max.apply(null, p)];
  }

  function power(base, e) {
    // as chainrule's interval arithmetic: a constant exponent; a fractional one (a root)
    // on the part of the base that is not negative
    if (e[0] !== e[1] || e[0] < 0) { return WHOLE; }
    if (Math.floor(e[0]) !== e[0]) {
      if (base[1] < 0) { return WHOLE; }
      return [Math.pow(Math.max(base[0], 0), e[0]), Math.pow(base[1], e[0])];
    }
    var ends = [Math.pow(base[0], e[0]), Math.pow(base[1], e[0])];
    if (e[0] % 2 === 0 && base[0] <= 0 && 0 <= base[1]) { return [0, Math.max(ends[0], ends[1])]; }
    return [Math.min(ends[0], ends[1]), Math.max(ends[0], ends[1])];
  }

  /* f at a point, from the table's trees: its value tree over z and alpha, or its
     derivative tree over z, a and alpha. */
  function point(node, z, table) {
    var entry = table[node.fn];
    if (!entry || !entry.value) { return NaN; }
    var vars = {z: [z, z], alpha: [entry.alpha, entry.alpha]};
    var a = evaluate(entry.value, function () { return [NaN, NaN]; }, table, vars)[0];
    if (!node.derivative) { return a; }
    if (!entry.derivative) { return NaN; }
    vars.a = [a, a];
    return evaluate(entry.derivative, function () { return [NaN, NaN]; }, table, vars)[0];
  }

  function call(node, args, table) {
    if (node.fn === "softmax") {
      var k = node.index;
      if (node.derivative || k === null || !table.softmax) { return [NaN, NaN]; }
      var low = args.map(function (x, i) { return i === k ? x[0] : x[1]; });
      var high = args.map(function (x, i) { return i === k ? x[1] : x[0]; });
      return [softmax(low, k), softmax(high, k)];
    }
    // every elementwise activation of the table is non-decreasing but where it says it
    // falls first (lowest_at: SiLU), and so is a derivative written as a call (a step)
    var lo = args[0][0], hi = args[0][1];
    var ends = [point(node, lo, table), point(node, hi, table)];
    var entry = table[node.fn];
    var lowest = node.derivative || !entry ? null : entry.lowest_at;
    if (lowest === null || lowest === undefined || !(lo < hi)) { return ends; }
    var range = [Math.min(ends[0], ends[1]), Math.max(ends[0], ends[1])];
    if (lo < lowest && lowest < hi) { range[0] = point(node, lowest, table); }
    return range;
  }

  /* Where the value of a formula tree (docs/json-format.md, "Tree") lies when each
     reference id lies in resolve(id) and each variable in vars[name] (intervals [lo, hi];
     a point is [x, x]): chainrule's interval arithmetic (calculus/evaluate.py), so that a
     value carried rounded or not is allowed for, as chainrule check allows it. */
  function evaluate(tree, resolve, table, vars) {
    var args = (tree.args || []).map(function (t) {
      return evaluate(t, resolve, table, vars);
    });
    var a = args[0];
    var b = args[1];
    switch (tree.op) {
      case "const":
        var c = typeof tree.value === "number" ? tree.value : Number(tree.value);
        return [c, c];
      case "ref": return resolve(tree.id);
      case "var": return vars && tree.name in vars ? vars[tree.name] : [NaN, NaN];
      case "add":
        return args.reduce(function (s, x) { return [s[0] + x[0], s[1] + x[1]]; }, [0, 0]);
      case "mul": return args.reduce(mul, [1, 1]);
      case "sub": return [a[0] - b[1], a[1] - b[0]];
      case "neg": return [-a[1], -a[0]];
      case "div":
        return b[0] <= 0 && 0 <= b[1] ? WHOLE : mul(a, [1 / b[1], 1 / b[0]]);
      case "pow": return power(a, b);
      case "exp": return [Math.exp(a[0]), Math.exp(a[1])];
      case "log": return [a[0] <= 0 ? -Infinity : Math.log(a[0]), Math.log(a[1])];
      case "step": return [a[0] > 0 ? 1 : b[0], a[1] > 0 ? 1 : b[0]];
      case "call": return call(tree, args, table);
      default: return [NaN, NaN];
    }
  }

  // --- reading what the student typed -----------------------------------------------------
  var NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

  function parse(text) {
    var t = text.trim().replace(/\u2212/g, "-").replace(",", ".");
    return NUMBER.test(t) ? Number(t) : null;
  }

  // --- the page -----------------------------------------------------------------------------
  function Practice(root) {
    this.root = root;
    this.data = JSON.parse(root.querySelector("script.cr-practice-data").textContent);
    this.items = {};
    var self = this;
    root.querySelectorAll(".cr-pr-line[data-eq-id]").forEach(function (el) {
      self.items[el.getAttribute("data-eq-id")] = el;
    });
    this.byId = {};
    this.data.lines.forEach(function (line) { self.byId[line.id] = line; });
    root.classList.add("cr-js");
    root.addEventListener("click", function (event) { self.click(event); });
    root.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && event.target.tagName === "INPUT") {
        event.preventDefault();
        self.check();
      }
    });
    this.reset();
  }

  Practice.prototype.reset = function () {
    this.answers = {};   // id -> {status, value (null when shown unanswered)}
    this.pos = 0;
    var self = this;
    this.data.lines.forEach(function (line) {
      var el = self.items[line.id];
      el.classList.remove("cr-right", "cr-follow", "cr-wrong", "cr-shown", "cr-current");
      el.querySelector(".cr-pr-working").hidden = true;
      el.querySelector(".cr-pr-verdict").textContent = "";
      el.querySelector("input").value = "";
    });
    this.render(false);
  };

  /* Where the value a later line uses for id lies: the student's as typed, give or take
     half a unit of its decimals; the key's, carried either way, when the line was only
     shown; a given value; or what a copy (a step's starting weight) copies. */
  Practice.prototype.resolve = function (id) {
    var seen = 0;
    while (id in this.data.alias && seen++ < 100) { id = this.data.alias[id]; }
    var answer = this.answers[id];
    if (answer) {
      var line = this.byId[id];
      return answer.value === null ? line.usable || WHOLE
        : [answer.value - line.half, answer.value + line.half];
    }
    return id in this.data.known ? this.data.known[id] || WHOLE : [NaN, NaN];
  };

  Practice.prototype.judge = function (line, value) {
    if (line.accept && line.accept[0] <= value && value <= line.accept[1]) {
      return {status: "right"};
    }
    var self = this;
    var derived = line.tree ? evaluate(line.tree, function (id) { return self.resolve(id); },
                                       this.data.activations, null) : [NaN, NaN];
    var mid = (derived[0] + derived[1]) / 2;
    if (finite(derived) && derived[0] - line.tolerance <= value &&
        value <= derived[1] + line.tolerance) {
      return {status: "follow", derived: mid};
    }
    return {status: "wrong", derived: mid};
  };

  Practice.prototype.check = function () {
    var line = this.data.lines[this.pos];
    if (!line) { return; }
    var el = this.items[line.id];
    var value = parse(el.querySelector("input").value);
    var verdict = el.querySelector(".cr-pr-verdict");
    if (value === null) {
      verdict.textContent = "Type a number, e.g. " + line.printed;
      return;
    }
    var result = this.judge(line, value);
    this.answers[line.id] = {status: result.status, value: value};
    var text = {right: "✓ right",
                follow: "↪ follow-through: right from your earlier values (key " +
                  line.printed + ")",
                wrong: "✗ wrong: the key is " + line.printed}[result.status];
    if (result.status === "wrong" && isFinite(result.derived) && line.decimals !== null &&
        result.derived.toFixed(line.decimals) !== line.printed) {
      text += "; from your earlier values it would be " + result.derived.toFixed(line.decimals);
    }
    verdict.textContent = text;
    this.reveal(line, result.status);
  };

  Practice.prototype.show = function () {
    var line = this.data.lines[this.pos];
    if (!line) { return; }
    this.answers[line.id] = {status: "shown", value: null};
    this.items[line.id].querySelector(".cr-pr-verdict").textContent =
      "shown: " + line.printed;
    this.reveal(line, "shown");
  };

  Practice.prototype.reveal = function (line, status) {
    var el = this.items[line.id];
    el.classList.add("cr-" + status);
    el.querySelector(".cr-pr-working").hidden = false;
    this.pos += 1;
    this.render(true);
  };

  Practice.prototype.score = function () {
    var counts = {right: 0, follow: 0, wrong: 0, shown: 0, todo: 0};
    var earned = 0;
    var total = 0;
    var self = this;
    this.data.lines.forEach(function (line) {
      var answer = self.answers[line.id];
      total += line.marks;
      if (!answer) { counts.todo += 1; return; }
      counts[answer.status] += 1;
      if (answer.status === "right") { earned += line.marks; }
      if (answer.status === "follow") { earned += line.marks * self.data.follow_through; }
    });
    return {counts: counts, earned: earned, total: total};
  };

  Practice.prototype.render = function (focus) {
    var pos = this.pos;
    var self = this;
    this.data.lines.forEach(function (line, i) {
      var el = self.items[line.id];
      var open = i === pos;
      el.classList.toggle("cr-current", open);
      el.classList.toggle("cr-todo", i > pos);
      el.querySelectorAll("input, button").forEach(function (c) { c.disabled = !open; });
    });
    var s = this.score();
    Object.keys(s.counts).forEach(function (name) {
      var cell = self.root.querySelector('.cr-pr-score [data-count="' + name + '"]');
      if (cell) { cell.textContent = String(s.counts[name]); }
    });
    var round = function (x) { return String(Math.round(x * 100) / 100); };
    var done = pos >= this.data.lines.length;
    this.root.querySelector(".cr-pr-total").textContent = (done ? "Finished: " : "So far: ") +
      round(s.earned) + " of " + round(s.total) + " marks";
    this.root.setAttribute("data-score", round(s.earned));
    this.root.querySelector(".cr-status").textContent = (done ? "Finished" :
      "Value " + (pos + 1) + " of " + this.data.lines.length) + " · " + round(s.earned) +
      " of " + round(s.total) + " marks";
    var current = this.data.lines[pos];
    if (focus && current) {
      var input = this.items[current.id].querySelector("input");
      input.focus();
      if (input.scrollIntoView) { input.scrollIntoView({block: "nearest"}); }
    }
  };

  Practice.prototype.click = function (event) {
    var button = event.target.closest("button[data-action]");
    if (!button) { return; }
    var action = button.getAttribute("data-action");
    if (action === "check") { this.check(); }
    else if (action === "show") { this.show(); }
    else if (action === "reset") { this.reset(); this.render(true); }
  };

  // the evaluator, for a page's own use and for tests that hold it to the Python table
  window.crPractice = {evaluate: evaluate, parse: parse};
  document.querySelectorAll("[data-cr-practice]").forEach(function (root) {
    if (root.getAttribute("data-cr-ready")) { return; }
    root.setAttribute("data-cr-ready", "1");
    new Practice(root);
  });
})();
