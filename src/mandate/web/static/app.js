// Small progressive enhancements; every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Flash toasts fade after a while; errors stay until the next action.
  document.querySelectorAll(".toast--success").forEach((el) => setTimeout(() => el.remove(), 6000));
});
document.addEventListener("htmx:afterSwap", () => {
  document.querySelectorAll(".toast--success").forEach((el) => setTimeout(() => el.remove(), 6000));
});
