// Order and sort questions as things you build, not forms you fill (progressive enhancement only).
//
// Without this file an order question is a list of "Position" selects and a sort question a list of
// "Category" selects (templates/training/includes/_question_fields.html). This file keeps those selects as the
// form's fields, so the server receives exactly the same answer, and adds:
//   order: a list you reorder — "Move up" / "Move down" buttons, the arrow keys on a focused step (Home/End to
//          the ends), and dragging with a mouse (optional, never the only way: WCAG 2.2 SC 2.5.7);
//   sort:  one box per category that the items move into — the item's own "Category" select, the left/right
//          arrow keys (or a digit) on a focused item, and dragging.
// Every move is announced in the question's live region.
(function () {
  "use strict";

  function text(el) {
    return (el.textContent || "").trim().replace(/\s+/g, " ");
  }

  function announce(list, message) {
    var status = list.closest("fieldset").querySelector("[data-widget-status]");
    if (status) {
      // Emptied first so that the same message twice is announced twice.
      status.textContent = "";
      window.setTimeout(function () { status.textContent = message; }, 30);
    }
  }

  function setHint(list, hint) {
    var id = list.getAttribute("data-hint-id");
    var el = id && document.getElementById(id);
    if (el) el.textContent = hint;
  }

  // --- Order ------------------------------------------------------------------------------------------------

  function orderItems(list) {
    return Array.prototype.slice.call(list.children);
  }

  function renumber(list) {
    var items = orderItems(list);
    items.forEach(function (item, index) {
      var position = index + 1;
      item.querySelector("select").value = String(position);
      item.querySelector(".order-number").textContent = String(position);
      var name = item.getAttribute("data-text");
      item.setAttribute("aria-label", "Step " + position + " of " + items.length + ": " + name);
      item.querySelector("[data-move='-1']").disabled = index === 0;
      item.querySelector("[data-move='1']").disabled = index === items.length - 1;
    });
  }

  function moveStep(list, item, to, focusTarget) {
    var items = orderItems(list);
    var from = items.indexOf(item);
    to = Math.max(0, Math.min(items.length - 1, to));
    if (to === from) {
      announce(list, "“" + item.getAttribute("data-text") + "” is already " + (to === 0 ? "first." : "last."));
      return;
    }
    list.removeChild(item);
    list.insertBefore(item, list.children[to] || null);
    renumber(list);
    (focusTarget || item).focus();
    item.classList.add("just-moved");
    window.setTimeout(function () { item.classList.remove("just-moved"); }, 600);
    announce(list, "“" + item.getAttribute("data-text") + "” moved to position " + (to + 1) + " of " + items.length + ".");
  }

  function button(label, move, arrow) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "move-button";
    b.setAttribute("data-move", String(move));
    b.innerHTML = '<span aria-hidden="true">' + arrow + "</span>";
    b.setAttribute("aria-label", label);
    return b;
  }

  function enhanceOrder(list) {
    var items = orderItems(list);
    // Start from the positions already chosen (after an error, nothing the learner did is lost), else as shown.
    var chosen = items.map(function (item, index) {
      var value = parseInt(item.querySelector("select").value, 10);
      return { item: item, key: isNaN(value) ? items.length + index : value, index: index };
    });
    chosen.sort(function (a, b) { return a.key - b.key || a.index - b.index; });
    chosen.forEach(function (entry) { list.appendChild(entry.item); });

    items.forEach(function (item) {
      var name = text(item.querySelector(".step-text"));
      item.setAttribute("data-text", name);
      item.setAttribute("tabindex", "0");
      item.setAttribute("aria-describedby", list.getAttribute("data-hint-id"));
      item.classList.add("order-item");
      item.setAttribute("draggable", "true");
      item.querySelector(".step-control").hidden = true;
      var number = document.createElement("span");
      number.className = "order-number";
      number.setAttribute("aria-hidden", "true");
      item.insertBefore(number, item.firstChild);
      var buttons = document.createElement("span");
      buttons.className = "move-buttons";
      buttons.appendChild(button("Move “" + name + "” up", -1, "↑"));
      buttons.appendChild(button("Move “" + name + "” down", 1, "↓"));
      item.appendChild(buttons);
    });

    list.addEventListener("click", function (event) {
      var b = event.target.closest("[data-move]");
      if (!b || !list.contains(b)) return;
      var item = b.closest(".order-item");
      var items = orderItems(list);
      var to = items.indexOf(item) + parseInt(b.getAttribute("data-move"), 10);
      // Keep focus on the pressed button unless it is now disabled (at an end): then on the step.
      var last = items.length - 1;
      var atEnd = to <= 0 || to >= last;
      moveStep(list, item, to, atEnd ? item : b);
    });

    list.addEventListener("keydown", function (event) {
      var item = event.target;
      if (!item.classList || !item.classList.contains("order-item")) return;
      var index = orderItems(list).indexOf(item);
      var to = { ArrowUp: index - 1, ArrowDown: index + 1, Home: 0, End: orderItems(list).length - 1 }[event.key];
      if (to === undefined) return;
      event.preventDefault();
      moveStep(list, item, to);
    });

    // Dragging with a mouse: optional, the buttons and keys do the same.
    var dragged = null;
    list.addEventListener("dragstart", function (event) {
      dragged = event.target.closest(".order-item");
      if (!dragged) return;
      dragged.classList.add("is-dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", dragged.getAttribute("data-text"));
    });
    list.addEventListener("dragover", function (event) {
      var over = event.target.closest && event.target.closest(".order-item");
      if (!dragged || !over || over === dragged) return;
      event.preventDefault();
    });
    list.addEventListener("drop", function (event) {
      var over = event.target.closest && event.target.closest(".order-item");
      if (!dragged || !over) return;
      event.preventDefault();
      moveStep(list, dragged, orderItems(list).indexOf(over));
    });
    list.addEventListener("dragend", function () {
      if (dragged) dragged.classList.remove("is-dragging");
      dragged = null;
    });

    list.classList.add("is-enhanced");
    setHint(list, "Put the steps in order, first at the top. Use the Move up and Move down buttons, or focus a step and press the up and down arrow keys (Home and End move it to the top or bottom).");
    renumber(list);
  }

  // --- Sort -------------------------------------------------------------------------------------------------

  function enhanceSort(list) {
    var firstSelect = list.querySelector("select");
    if (!firstSelect) return;
    var categories = Array.prototype.slice.call(firstSelect.options)
      .filter(function (option) { return option.value !== ""; })
      .map(function (option) { return { key: option.value, label: text(option) }; });
    var board = document.createElement("div");
    board.className = "sort-board";
    var buckets = {};
    [{ key: "", label: "Not sorted yet" }].concat(categories).forEach(function (category, index) {
      var box = document.createElement("section");
      box.className = "sort-bucket" + (category.key === "" ? " sort-unsorted" : "");
      box.setAttribute("data-category", category.key);
      var id = list.id + "-bucket-" + index;
      box.setAttribute("aria-labelledby", id);
      var heading = document.createElement("h3");
      heading.id = id;
      heading.className = "sort-bucket-title";
      heading.innerHTML = (index ? '<span class="bucket-key" aria-hidden="true">' + index + "</span> " : "") +
        '<span class="bucket-label"></span> <span class="bucket-count muted"></span>';
      heading.querySelector(".bucket-label").textContent = category.label;
      var ul = document.createElement("ul");
      ul.className = "sort-items";
      var empty = document.createElement("p");
      empty.className = "bucket-empty muted small";
      empty.textContent = category.key === "" ? "All sorted." : "Nothing here yet.";
      box.appendChild(heading);
      box.appendChild(ul);
      box.appendChild(empty);
      board.appendChild(box);
      buckets[category.key] = box;
    });

    function refresh() {
      Object.keys(buckets).forEach(function (key) {
        var n = buckets[key].querySelector(".sort-items").children.length;
        buckets[key].querySelector(".bucket-count").textContent = "(" + n + ")";
        buckets[key].classList.toggle("is-empty", n === 0);
      });
    }

    function place(item, key, focus) {
      var select = item.querySelector("select");
      // Moving an element drops its focus: give it back (to the select when the learner was using it).
      var focused = item.contains(document.activeElement) ? document.activeElement : null;
      select.value = key;
      var target = buckets[select.value] || buckets[""];
      target.querySelector(".sort-items").appendChild(item);
      refresh();
      if (focus) item.focus();
      else if (focused) focused.focus();
      var label = key === "" ? "Not sorted yet" : text(select.options[select.selectedIndex]);
      var n = target.querySelector(".sort-items").children.length;
      announce(list, "“" + item.getAttribute("data-text") + "” is now in " + label + " (" + n + (n === 1 ? " item)." : " items)."));
    }

    var items = Array.prototype.slice.call(list.children);
    items.forEach(function (item) {
      item.setAttribute("data-text", text(item.querySelector(".step-text")));
      item.setAttribute("tabindex", "0");
      item.setAttribute("draggable", "true");
      item.setAttribute("aria-describedby", list.getAttribute("data-hint-id"));
      item.classList.add("sort-item");
      var select = item.querySelector("select");
      var label = item.querySelector(".step-control label");
      // "Category of “…”" reads "Move to “…”" beside the boxes.
      if (label && label.firstChild && label.firstChild.nodeType === 3) {
        label.firstChild.nodeValue = "Move to";
        var hidden = label.querySelector(".visually-hidden");
        if (hidden) hidden.textContent = " “" + item.getAttribute("data-text") + "”";
      }
      var start = buckets[select.value] ? select.value : "";
      buckets[start].querySelector(".sort-items").appendChild(item);
      select.addEventListener("change", function () { place(item, select.value, false); });
    });
    list.parentNode.insertBefore(board, list);
    list.hidden = true;
    refresh();

    board.addEventListener("keydown", function (event) {
      var item = event.target;
      if (!item.classList || !item.classList.contains("sort-item")) return;
      var keys = categories.map(function (c) { return c.key; });
      var current = keys.indexOf(item.querySelector("select").value);
      var next;
      if (event.key === "ArrowRight" || event.key === "ArrowDown") next = current + 1 >= keys.length ? 0 : current + 1;
      else if (event.key === "ArrowLeft" || event.key === "ArrowUp") next = current <= 0 ? keys.length - 1 : current - 1;
      else if (/^[1-9]$/.test(event.key) && parseInt(event.key, 10) <= keys.length) next = parseInt(event.key, 10) - 1;
      if (next === undefined) return;
      event.preventDefault();
      place(item, keys[next], true);
    });

    var dragged = null;
    board.addEventListener("dragstart", function (event) {
      dragged = event.target.closest(".sort-item");
      if (!dragged) return;
      dragged.classList.add("is-dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", dragged.getAttribute("data-text"));
    });
    board.addEventListener("dragover", function (event) {
      var box = event.target.closest && event.target.closest(".sort-bucket");
      if (!dragged || !box) return;
      event.preventDefault();
      box.classList.add("is-drop-target");
    });
    board.addEventListener("dragleave", function (event) {
      var box = event.target.closest && event.target.closest(".sort-bucket");
      if (box && !box.contains(event.relatedTarget)) box.classList.remove("is-drop-target");
    });
    board.addEventListener("drop", function (event) {
      var box = event.target.closest && event.target.closest(".sort-bucket");
      if (!dragged || !box) return;
      event.preventDefault();
      box.classList.remove("is-drop-target");
      place(dragged, box.getAttribute("data-category"), true);
    });
    board.addEventListener("dragend", function () {
      if (dragged) dragged.classList.remove("is-dragging");
      dragged = null;
    });

    setHint(list, "Put each item in its category: choose one in the item's Move to list, or focus an item and press the left and right arrow keys (or the category's number).");
  }

  function enhance(root) {
    root.querySelectorAll("[data-order-widget]:not([data-enhanced])").forEach(function (list) {
      if (list.closest("fieldset[disabled]")) return;
      list.setAttribute("data-enhanced", "");
      enhanceOrder(list);
    });
    root.querySelectorAll("[data-sort-widget]:not([data-enhanced])").forEach(function (list) {
      if (list.closest("fieldset[disabled]")) return;
      list.setAttribute("data-enhanced", "");
      enhanceSort(list);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  // A question swapped in by htmx (an answer with an error, the next review card).
  document.addEventListener("htmx:load", function (event) { enhance(event.target); });
})();
