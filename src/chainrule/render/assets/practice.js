/* chainrule practice mode: the student types each value of a worked solution first; the page
   marks it (right, follow-through, wrong) and then reveals the line. Reads its data from
   <script type="application/json" class="cr-practice-data">: per line the bounds that count
   as right and the follow-through tolerance, computed by chainrule (this script only
   compares), and the line's formula as a tree, which it evaluates with the student's own
   values. Never writes markup from text: every word goes in through textContent. */
(function () {
  "use strict";

  // --- the activation table's values, by name; slopes and derivatives come as data -------
  function sigmoid(z) {
    var e = Math.exp(-Math.abs(z));
    return (z >= 0 ? 1 : e) / (1 + e);
  }

  var VALUES = {
    sigmoid: function (z) { return sigmoid(z); },
    bipolar_sigmoid: function (z) { return 2 * sigmoid(z) - 1; },
    tanh: function (z) { return Math.tanh(z); },
    relu: function (z) { return z > 0 ? z : 0; },
    leaky_relu: function (z, alpha) { return z > 0 ? z : alpha * z; },
    linear: function (z) { return z; },
    softplus: function (z) { return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))); }
  };

  function softmax(zs, k) {
    var top = Math.max.apply(null, zs);
    var sum = 0;
    var es = zs.map(function (z) { var e = Math.exp(z - top); sum += e; return e; });
    return es[k] / sum;
  }

  function call(node, args, table) {
    var entry = table[node.fn];
    if (!entry) { return NaN; }
    if (node.fn === "softmax") {
      return node.derivative || node.index === null ? NaN : softmax(args, node.index);
    }
    var f = VALUES[node.fn];
    if (!f) { return NaN; }
    var z = args[0];
    var a = f(z, entry.alpha);
    if (!node.derivative) { return a; }
    if (!entry.derivative) { return NaN; }
    var vars = {z: z, a: a, alpha: entry.alpha};
    return evaluate(entry.derivative, function () { return NaN; }, table, vars);
  }

  /* The value of a formula tree (docs/json-format.md, "Tree"); resolve(id) gives the value
     a reference stands for, vars the variables of a definition. */
  function evaluate(tree, resolve, table, vars) {
    var args = (tree.args || []).map(function (t) {
      return evaluate(t, resolve, table, vars);
    });
    switch (tree.op) {
      case "const": return typeof tree.value === "number" ? tree.value : Number(tree.value);
      case "ref": return resolve(tree.id);
      case "var": return vars && tree.name in vars ? vars[tree.name] : NaN;
      case "add": return args.reduce(function (s, x) { return s + x; }, 0);
      case "mul": return args.reduce(function (p, x) { return p * x; }, 1);
      case "sub": return args[0] - args[1];
      case "neg": return -args[0];
      case "div": return args[0] / args[1];
      case "pow": return Math.pow(args[0], args[1]);
      case "exp": return Math.exp(args[0]);
      case "log": return Math.log(args[0]);
      case "step": return args[0] > 0 ? 1 : args[1];
      case "call": return call(tree, args, table);
      default: return NaN;
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

  /* The value a later line uses for id: the student's as typed, the key's as carried when
     the line was only shown, a given value, or what a copy (a step's starting weight)
     copies. */
  Practice.prototype.resolve = function (id) {
    var seen = 0;
    while (id in this.data.alias && seen++ < 100) { id = this.data.alias[id]; }
    var answer = this.answers[id];
    if (answer) { return answer.value === null ? this.byId[id].carried : answer.value; }
    if (id in this.data.known) { return this.data.known[id]; }
    return NaN;
  };

  Practice.prototype.judge = function (line, value) {
    if (line.accept && line.accept[0] <= value && value <= line.accept[1]) {
      return {status: "right"};
    }
    var self = this;
    var derived = line.tree ? evaluate(line.tree, function (id) { return self.resolve(id); },
                                       this.data.activations, null) : NaN;
    if (isFinite(derived) && Math.abs(value - derived) <= line.tolerance) {
      return {status: "follow", derived: derived};
    }
    return {status: "wrong", derived: derived};
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
