/* The matrix form of a chainrule walk-through: the switch scalar ⇄ matrix, and a matrix
   entry that opens the scalar line of the same number (data-eq-id). */
(function () {
  "use strict";

  function setUp(root) {
    var matrix = root.querySelector("[data-cr-matrix]");
    // a notebook output carries its own copy of this script: set each walk-through up once
    if (!matrix || root.hasAttribute("data-cr-matrix-ready")) { return; }
    root.setAttribute("data-cr-matrix-ready", "");
    var buttons = root.querySelectorAll(".cr-form-switch button");
    function show(form) {
      root.setAttribute("data-form", form);
      buttons.forEach(function (b) {
        b.setAttribute("aria-pressed", String(b.getAttribute("data-form") === form));
      });
    }
    buttons.forEach(function (b) {
      b.addEventListener("click", function () { show(b.getAttribute("data-form")); });
    });
    matrix.addEventListener("click", function (event) {
      var link = event.target.closest("a[data-eq-id]");
      if (!link) { return; }
      event.preventDefault();
      var id = link.getAttribute("data-eq-id");
      var line = null;
      root.querySelectorAll(".cr-equations [data-eq-id]").forEach(function (el) {
        if (!line && el.getAttribute("data-eq-id") === id) { line = el; }
      });
      if (!line) { return; }
      show("scalar");
      root.querySelectorAll(".cr-linked").forEach(function (el) {
        el.classList.remove("cr-linked");
      });
      line.classList.add("cr-linked");
      line.scrollIntoView({ block: "center" });
    });
    show("matrix");
  }

  document.querySelectorAll("[data-cr-walkthrough]").forEach(setUp);
})();
