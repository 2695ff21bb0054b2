// Kabinet HR console: the copy button of a freshly issued activation code.
// A static file (the console's CSP allows no inline script). Without
// JavaScript the code is still selectable (user-select: all).
document.addEventListener("click", function (ev) {
  var b = ev.target.closest("[data-copy]");
  if (!b || !navigator.clipboard) return;
  navigator.clipboard.writeText(b.getAttribute("data-copy")).then(function () {
    b.textContent = b.getAttribute("data-copied");
  });
});
