/* recorrido map editor: drag a stage among the stages, or a touchpoint within its stage, by its
   ⠿ grip (HTML5 drag and drop). The drop posts a plain form to the editor (action "move_to",
   the item's id, its new 0-based position), so the save is validated and versioned like every
   other change. The ↑/↓ buttons stay the keyboard's way to reorder.
   No inline script anywhere: the CSP forbids it. */
(function () {
  "use strict";
  var dragged = null;

  function itemOf(node) { return node && node.closest ? node.closest("[data-item]") : null; }
  function listOf(item) { return item ? item.parentElement : null; }

  function items(list) {
    return Array.prototype.filter.call(list.children, function (c) { return c.hasAttribute("data-item"); });
  }

  function post(id, position) {
    var csrf = document.querySelector("input[name=csrf]");
    if (!csrf) { return; }
    var form = document.createElement("form");
    form.method = "post";
    form.action = window.location.pathname;
    [["csrf", csrf.value], ["action", "move_to"], ["id", id], ["position", String(position)]]
      .forEach(function (pair) {
        var input = document.createElement("input");
        input.type = "hidden";
        input.name = pair[0];
        input.value = pair[1];
        form.appendChild(input);
      });
    document.body.appendChild(form);
    form.submit();
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

  // Only a sibling in the same list is a place to drop: a touchpoint stays in its stage.
  function target(event) {
    if (!dragged) { return null; }
    var node = event.target;
    while (node && node !== document) {
      if (node.hasAttribute && node.hasAttribute("data-item") && node.parentElement === listOf(dragged)) {
        return node;
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
    Array.prototype.forEach.call(document.querySelectorAll(".drop-before, .drop-after"), function (n) {
      n.classList.remove("drop-before", "drop-after");
    });
    if (over !== dragged) {
      var before = items(listOf(over)).indexOf(over) < items(listOf(dragged)).indexOf(dragged);
      over.classList.add(before ? "drop-before" : "drop-after");
    }
  });

  document.addEventListener("drop", function (event) {
    var over = target(event);
    if (!over) { return; }
    event.preventDefault();
    var siblings = items(listOf(over));
    var from = siblings.indexOf(dragged);
    var to = siblings.indexOf(over);
    if (from !== to) { post(dragged.getAttribute("data-item"), to); }
  });

  document.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("dragging"); }
    dragged = null;
    Array.prototype.forEach.call(document.querySelectorAll(".drop-before, .drop-after"), function (n) {
      n.classList.remove("drop-before", "drop-after");
    });
  });
})();
