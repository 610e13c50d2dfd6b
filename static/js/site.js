// Progressive enhancement only: every page works without this file.
// After an htmx swap, focus goes to the new content that asks for it ([data-focus-after-swap]).
document.addEventListener("htmx:afterSwap", function (event) {
  var target = event.detail.target;
  // An outerHTML swap removes the old target: look in the new element the event was fired on instead.
  if (!target.isConnected) target = event.target;
  var focusable = target.matches("[data-focus-after-swap]") ? target : target.querySelector("[data-focus-after-swap]");
  if (focusable) {
    if (!focusable.hasAttribute("tabindex")) focusable.setAttribute("tabindex", "-1");
    focusable.focus();
  }
});

// A .table-scroll box that really scrolls becomes a focusable, labelled region (keyboard users scroll it).
function labelScrollRegions(root) {
  (root || document).querySelectorAll(".table-scroll").forEach(function (box) {
    var scrolls = box.scrollWidth > box.clientWidth + 1;
    box.classList.toggle("is-scrollable", scrolls);
    if (scrolls && !box.hasAttribute("tabindex")) {
      box.setAttribute("tabindex", "0");
      box.dataset.madeFocusable = "true";
      if (!box.hasAttribute("role")) box.setAttribute("role", "region");
      if (!box.hasAttribute("aria-label") && !box.hasAttribute("aria-labelledby")) {
        var caption = box.querySelector("caption");
        var heading = box.closest("section") && box.closest("section").querySelector("h2, h3");
        var name = (caption || heading || {}).textContent || "Table";
        box.setAttribute("aria-label", name.trim().replace(/\s+/g, " ") + " (scrolls sideways)");
      }
    } else if (!scrolls && box.dataset.madeFocusable) {
      box.removeAttribute("tabindex");
      delete box.dataset.madeFocusable;
    }
  });
}
document.addEventListener("DOMContentLoaded", function () { labelScrollRegions(); });
document.addEventListener("htmx:afterSettle", function (event) { labelScrollRegions(event.target.isConnected ? event.target : document); });
var resizeTimer;
window.addEventListener("resize", function () {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(labelScrollRegions, 150);
});

// Menus are <details> (they work without this file): a click outside or Escape closes an open one.
document.addEventListener("click", function (event) {
  document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
    if (!menu.contains(event.target)) menu.open = false;
  });
});
document.addEventListener("keydown", function (event) {
  if (event.key !== "Escape") return;
  var menu = event.target.closest && event.target.closest("details[data-menu][open]");
  if (menu) {
    menu.open = false;
    menu.querySelector("summary").focus();
  }
});

// The certificate's Print / Save as PDF button (hidden without JavaScript, where the page says Ctrl+P).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
});
