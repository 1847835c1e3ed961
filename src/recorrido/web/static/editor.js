/* recorrido map editor: drag a stage among the stages, or a touchpoint within its stage or into
   another stage, by its ⠿ grip (HTML5 drag and drop). The drop posts a plain form to the editor
   (action "move_to" within a list, "move_stage" into another stage, with the 0-based position),
   so the save is validated and versioned like every other change. The ↑/↓ buttons and the "move
   to the stage" form stay the keyboard's way. A form marked data-confirm asks first (removing).
   No inline script anywhere: the CSP forbids it. */
(function () {
  "use strict";
  var dragged = null;

  function itemOf(node) { return node && node.closest ? node.closest("[data-item]") : null; }
  function listOf(item) { return item ? item.parentElement : null; }
  function isTouchpoint(item) { return listOf(item).hasAttribute("data-stage"); }

  function items(list) {
    return Array.prototype.filter.call(list.children, function (c) { return c.hasAttribute("data-item"); });
  }

  function post(fields) {
    var csrf = document.querySelector("input[name=csrf]");
    if (!csrf) { return; }
    var form = document.createElement("form");
    form.method = "post";
    form.action = window.location.pathname;
    [["csrf", csrf.value]].concat(fields).forEach(function (pair) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = pair[0];
      input.value = pair[1];
      form.appendChild(input);
    });
    document.body.appendChild(form);
    form.submit();
  }

  function clearMarks() {
    Array.prototype.forEach.call(document.querySelectorAll(".drop-before, .drop-after, .drop-into"), function (n) {
      n.classList.remove("drop-before", "drop-after", "drop-into");
    });
  }

  document.addEventListener("dragstart", function (event) {
    if (!event.target.classList || !event.target.classList.contains("grip")) { return; }
    var item = itemOf(event.target);
    if (!item || !listOf(item).hasAttribute("data-reorder")) { return; }
    dragged = item;
    item.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.getAttribute("data-item"));
    event.dataTransfer.setDragImage(item, 10, 10);
  });

  // Where a drop lands: a stage among the stages; a touchpoint before or after another
  // touchpoint of any stage, or at the end of a stage's list (an empty stage included).
  function target(event) {
    if (!dragged) { return null; }
    var node = event.target;
    var touchpoint = isTouchpoint(dragged);
    while (node && node !== document) {
      if (node.hasAttribute && node.hasAttribute("data-item")) {
        var list = listOf(node);
        if (list === listOf(dragged) || (touchpoint && list.hasAttribute("data-stage"))) {
          return { item: node, list: list };
        }
      }
      if (touchpoint && node.hasAttribute && node.hasAttribute("data-stage")) {
        return { item: null, list: node };
      }
      if (touchpoint && node.classList && node.classList.contains("editor-stage")) {
        var tps = node.querySelector("[data-stage]");
        if (tps) { return { item: null, list: tps }; }
      }
      node = node.parentElement;
    }
    return null;
  }

  document.addEventListener("dragover", function (event) {
    var over = target(event);
    if (!over) { return; }
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    clearMarks();
    if (!over.item) {
      over.list.classList.add("drop-into");
    } else if (over.item !== dragged) {
      var before = over.list !== listOf(dragged) ||
        items(over.list).indexOf(over.item) < items(listOf(dragged)).indexOf(dragged);
      over.item.classList.add(before ? "drop-before" : "drop-after");
    }
  });

  document.addEventListener("drop", function (event) {
    var over = target(event);
    if (!over) { return; }
    event.preventDefault();
    var id = dragged.getAttribute("data-item");
    var siblings = items(over.list);
    var to = over.item ? siblings.indexOf(over.item) : siblings.length;
    if (over.list === listOf(dragged)) {
      if (over.item && siblings.indexOf(dragged) !== to) {
        post([["action", "move_to"], ["id", id], ["position", String(to)]]);
      }
      return;
    }
    post([["action", "move_stage"], ["id", id], ["stage", over.list.getAttribute("data-stage")],
      ["position", String(to)]]);
  });

  document.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("dragging"); }
    dragged = null;
    clearMarks();
  });

  document.addEventListener("submit", function (event) {
    var question = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
})();
