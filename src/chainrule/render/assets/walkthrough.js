/* chainrule walk-through: step through a worked solution, highlighting what each equation
   is about. Reads its data from <script type="application/json" class="cr-data"> and never
   writes markup from text: every name goes in through textContent or a cloned node. */
(function () {
  "use strict";

  var roots = [];
  var active = null;

  function Walkthrough(root) {
    this.root = root;
    this.data = JSON.parse(root.querySelector("script.cr-data").textContent);
    this.step = 0;
    this.pos = -1;
    this.equations = {};
    var self = this;
    root.querySelectorAll(".cr-equations .cr-eq[data-eq-id]").forEach(function (el) {
      self.equations[el.getAttribute("data-eq-id")] = el;
    });
    this.index = this.data.steps.map(function (step) {
      var map = {};
      step.order.forEach(function (id, i) { map[id] = i; });
      return map;
    });
    root.classList.add("cr-js");
    var controls = root.querySelector(".cr-controls");
    if (controls) { controls.hidden = false; }
    root.addEventListener("click", function (event) { self.click(event); });
    this.render();
  }

  Walkthrough.prototype.current = function () {
    return this.data.steps[this.step];
  };

  Walkthrough.prototype.go = function (step, pos) {
    this.step = Math.max(0, Math.min(step, this.data.steps.length - 1));
    var last = this.current().order.length - 1;
    this.pos = Math.max(-1, Math.min(pos, last));
    this.render();
  };

  Walkthrough.prototype.forward = function () {
    if (this.pos < this.current().order.length - 1) {
      this.go(this.step, this.pos + 1);
    } else if (this.step < this.data.steps.length - 1) {
      this.go(this.step + 1, 0);
    }
  };

  Walkthrough.prototype.back = function () {
    // only the first step has a start with nothing highlighted, so that back and
    // forward retrace each other
    if (this.pos > 0 || (this.pos === 0 && this.step === 0)) {
      this.go(this.step, this.pos - 1);
    } else if (this.step > 0) {
      this.go(this.step - 1, this.data.steps[this.step - 1].order.length - 1);
    }
  };

  Walkthrough.prototype.phase = function (name) {
    var start = this.current().phases[name];
    if (start !== undefined) {
      this.go(this.step, start);
    }
  };

  Walkthrough.prototype.nextExample = function () {
    if (this.step < this.data.steps.length - 1) {
      this.go(this.step + 1, 0);
    }
  };

  Walkthrough.prototype.diagram = function () {
    var id = this.current().id;
    var found = null;
    this.root.querySelectorAll(".cr-diagram-wrap").forEach(function (fig) {
      var mine = fig.getAttribute("data-step") === id;
      fig.hidden = !mine;
      if (mine) { found = fig; }
    });
    return found;
  };

  Walkthrough.prototype.render = function () {
    var step = this.current();
    var id = this.pos >= 0 ? step.order[this.pos] : null;
    var index = this.index[this.step];
    var pos = this.pos;
    var figure = this.diagram();
    var root = this.root;
    root.querySelectorAll(".cr-step").forEach(function (section) {
      section.classList.toggle("cr-active", section.getAttribute("data-step") === step.id);
    });
    root.querySelectorAll(".cr-hl").forEach(function (el) { el.classList.remove("cr-hl"); });
    root.querySelectorAll(".cr-current").forEach(function (el) {
      el.classList.remove("cr-current");
    });
    var self = this;
    step.order.forEach(function (eqId, i) {
      var el = self.equations[eqId];
      if (el) {
        el.classList.toggle("cr-todo", i > pos);
      }
    });
    if (figure) {
      // values appear in the diagram as the walk reaches the equation that computes them
      figure.querySelectorAll(".cr-val, [data-reveal]").forEach(function (el) {
        var key = el.getAttribute("data-reveal") || (el.getAttribute("data-eq") || "").split(" ")[0];
        el.classList.toggle("cr-pending", key in index && index[key] > pos);
      });
      if (id) {
        figure.querySelectorAll('[data-eq~="' + id + '"]').forEach(function (el) {
          el.classList.add("cr-hl");
        });
      }
    }
    var now = root.querySelector(".cr-now");
    now.textContent = "";
    var status = root.querySelector(".cr-status");
    if (id && this.equations[id]) {
      var el = this.equations[id];
      el.classList.add("cr-current");
      var copy = el.cloneNode(true);
      copy.classList.remove("cr-current", "cr-todo");
      now.appendChild(copy);
      if (el.scrollIntoView) { el.scrollIntoView({block: "nearest"}); }
      var label = el.querySelector(".cr-eq-label");
      status.textContent = step.title + " · equation " + (pos + 1) + " of " +
        step.order.length + (label ? ": " + label.textContent : "");
    } else {
      status.textContent = step.title + " · press → to step through, click a weight " +
        "for its chain rule";
    }
    root.setAttribute("data-current", id || "");
  };

  Walkthrough.prototype.derive = function (param) {
    var step = this.current();
    var ids = step.derivations[param];
    if (ids === undefined) { return; }
    var panel = this.root.querySelector(".cr-derivation");
    var list = panel.querySelector(".cr-derivation-list");
    list.textContent = "";
    panel.querySelector(".cr-derivation-title").textContent =
      "Chain rule for " + step.names[param] + " (" + step.title + ")";
    var self = this;
    ids.forEach(function (eqId) {
      var source = self.equations[eqId];
      if (!source) { return; }
      var item = source.cloneNode(true);
      item.classList.remove("cr-current", "cr-todo");
      list.appendChild(item);
    });
    if (!ids.length) {
      var none = document.createElement("li");
      none.textContent = "This parameter is not updated in this convention.";
      list.appendChild(none);
    }
    panel.setAttribute("data-param", param);
    panel.hidden = false;
  };

  Walkthrough.prototype.click = function (event) {
    active = this;
    var target = event.target;
    var button = target.closest("button[data-action]");
    if (button) {
      var action = button.getAttribute("data-action");
      if (action === "forward") { this.forward(); }
      else if (action === "back") { this.back(); }
      else if (action === "phase") { this.phase(button.getAttribute("data-phase")); }
      else if (action === "next-example") { this.nextExample(); }
      else if (action === "close") { this.root.querySelector(".cr-derivation").hidden = true; }
      return;
    }
    var weight = target.closest(".cr-diagrams [data-param]");
    if (weight) {
      this.derive(weight.getAttribute("data-param"));
      return;
    }
    var eq = target.closest(".cr-equations .cr-eq[data-eq-id]");
    if (eq) {
      var id = eq.getAttribute("data-eq-id");
      for (var s = 0; s < this.index.length; s++) {
        if (id in this.index[s]) { this.go(s, this.index[s][id]); return; }
      }
    }
  };

  function key(event) {
    if (!active || event.altKey || event.ctrlKey || event.metaKey) { return; }
    var target = event.target || {};
    var tag = target.tagName || "";
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable) {
      return;
    }
    // in a notebook the keys belong to the notebook unless the focus is in the walk-through
    if (active.root.closest("[data-cr-fragment]") && !active.root.contains(target)) { return; }
    if (event.key === "ArrowRight") { active.forward(); event.preventDefault(); }
    else if (event.key === "ArrowLeft") { active.back(); event.preventDefault(); }
  }

  document.querySelectorAll("[data-cr-walkthrough]").forEach(function (root) {
    if (root.getAttribute("data-cr-ready")) { return; }
    root.setAttribute("data-cr-ready", "1");
    roots.push(new Walkthrough(root));
  });
  if (roots.length && !active) { active = roots[0]; }
  if (!window.__crWalkthroughKeys) {
    window.__crWalkthroughKeys = true;
    document.addEventListener("keydown", key);
  }
})();
