// The printable report's "Print this report" button (no inline script: the CSP allows 'self' only).
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("print-button");
  if (button) { button.addEventListener("click", function () { window.print(); }); }
});
