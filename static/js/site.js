// Progressive enhancement only: every page works without this file.
// After an htmx swap, move focus to the first element in the new content that asks for it, so keyboard
// and screen-reader users land on the feedback they just requested.
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
