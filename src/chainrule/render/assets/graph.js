/* chainrule walk-through, graph view: switch the figure between the network diagram and the
   step's computation graph, and step the backward pass node by node (reverse topological
   order), showing "local derivative × upstream gradient = gradient" and highlighting the
   worked-solution line that writes the same product; the box that holds the number of the
   equation the walk is on is outlined too. Reads <script class="cr-graph-data">;
   every sentence goes in through textContent. Keys: g toggles the view, n / p step. */
(function () {
  "use strict";

  var views = [];
  var active = null;

  function GraphView(root) {
    this.root = root;
    this.data = JSON.parse(root.querySelector("script.cr-graph-data").textContent);
    this.step = null;
    this.pos = -1;
    var self = this;
    var toggle = root.querySelector(".cr-view-toggle");
    if (toggle) { toggle.hidden = false; }
    root.addEventListener("click", function (event) {
      active = self;
      var button = event.target.closest("button[data-graph-action]");
      if (button) { self.act(button.getAttribute("data-graph-action")); }
    });
    new MutationObserver(function () { self.sync(); })
      .observe(root, {attributes: true, attributeFilter: ["data-current"]});
    this.sync();
  }

  GraphView.prototype.act = function (action) {
    if (action === "network" || action === "graph") { this.show(action === "graph"); }
    else if (action === "toggle") { this.show(!this.root.classList.contains("cr-graph-view")); }
    else if (action === "next") { this.move(1); }
    else if (action === "previous") { this.move(-1); }
  };

  GraphView.prototype.show = function (graph) {
    var root = this.root;
    root.classList.toggle("cr-graph-view", graph);
    root.querySelector(".cr-diagrams").hidden = graph;
    root.querySelector(".cr-graphs").hidden = !graph;
    root.querySelectorAll(".cr-view-toggle button").forEach(function (b) {
      var mine = (b.getAttribute("data-graph-action") === "graph") === graph;
      b.setAttribute("aria-pressed", mine ? "true" : "false");
    });
    this.sync();
  };

  GraphView.prototype.currentStep = function () {
    var shown = this.root.querySelector(".cr-diagram-wrap:not([hidden])");
    var first = this.root.querySelector(".cr-graph-wrap");
    return (shown || first) ? (shown || first).getAttribute("data-step") : null;
  };

  GraphView.prototype.sync = function () {
    var step = this.currentStep();
    if (step !== this.step) {
      this.step = step;
      this.pos = -1;
    }
    this.root.querySelectorAll(".cr-graph-wrap").forEach(function (fig) {
      fig.hidden = fig.getAttribute("data-step") !== step;
    });
    this.render();
  };

  GraphView.prototype.stops = function () {
    var data = this.data[this.step];
    return data ? data.stops : [];
  };

  GraphView.prototype.move = function (by) {
    if (!this.root.classList.contains("cr-graph-view")) { this.show(true); }
    var last = this.stops().length - 1;
    this.pos = Math.max(-1, Math.min(this.pos + by, last));
    this.render(true);
  };

  function clear(root, css) {
    root.querySelectorAll("." + css).forEach(function (el) { el.classList.remove(css); });
  }

  GraphView.prototype.render = function (scroll) {
    // scroll only when the backward pass moved: the walk scrolls to its own equation
    var root = this.root;
    ["cr-ghl", "cr-gdone", "cr-gedge-hl", "cr-graph-line", "cr-gtied"].forEach(function (css) {
      clear(root, css);
    });
    var figure = root.querySelector('.cr-graph-wrap:not([hidden])');
    // the equation the walk is on, found in the graph: the boxes that hold its number
    var current = root.getAttribute("data-current");
    if (figure && current) {
      figure.querySelectorAll('[data-eq~="' + current + '"]').forEach(function (el) {
        el.classList.add("cr-gtied");
      });
    }
    var status = root.querySelector(".cr-graph-now");
    var stops = this.stops();
    root.setAttribute("data-graph-node", "");
    if (!figure || this.pos < 0 || !stops.length) {
      if (status) {
        status.textContent = stops.length ? "Press n to step the backward pass node by " +
          "node, from the error to the inputs." : "";
      }
      return;
    }
    function node(id) { return figure.querySelector('[data-node="' + id + '"]'); }
    for (var i = 0; i < this.pos; i++) {
      var done = node(stops[i].node);
      if (done) { done.classList.add("cr-gdone"); }
    }
    var stop = stops[this.pos];
    var here = node(stop.node);
    if (here) {
      here.classList.add("cr-ghl");
      if (scroll && here.scrollIntoView) {
        here.scrollIntoView({block: "nearest", inline: "nearest"});
      }
    }
    stop.terms.forEach(function (term) {
      var edge = figure.querySelector('[data-from="' + stop.node + '"][data-to="' +
        term[2] + '"]');
      if (edge) { edge.classList.add("cr-gedge-hl"); }
    });
    if (stop.line) {
      var line = root.querySelector('.cr-equations .cr-eq[data-eq-id="' + stop.line + '"]');
      if (line) {
        line.classList.add("cr-graph-line");
        if (scroll && line.scrollIntoView) { line.scrollIntoView({block: "nearest"}); }
      }
    }
    status.textContent = "Node " + (this.pos + 1) + " of " + stops.length + ": " + stop.text;
    root.setAttribute("data-graph-node", stop.node);
  };

  function key(event) {
    if (!active || event.altKey || event.ctrlKey || event.metaKey) { return; }
    // letters are typed into editors (a notebook's cells): act only on keys pressed on the
    // page itself or inside a walk-through
    var target = event.target || document.body;
    var tag = target.tagName || "";
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable) {
      return;
    }
    if (target !== document.body && target !== document.documentElement &&
        !(target.closest && target.closest("[data-cr-walkthrough]"))) {
      return;
    }
    var action = {g: "toggle", n: "next", p: "previous"}[event.key];
    if (action) { active.act(action); event.preventDefault(); }
  }

  document.querySelectorAll("[data-cr-walkthrough]").forEach(function (root) {
    if (root.getAttribute("data-cr-graph-ready") || !root.querySelector("script.cr-graph-data")) {
      return;
    }
    root.setAttribute("data-cr-graph-ready", "1");
    views.push(new GraphView(root));
  });
  if (views.length && !active) { active = views[0]; }
  if (!window.__crGraphKeys) {
    window.__crGraphKeys = true;
    document.addEventListener("keydown", key);
  }
})();
