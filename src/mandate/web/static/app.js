// Small progressive enhancements; every page works without this file.
function fadeSuccessToasts() {
  // Success toasts fade after a while; errors stay until the next action.
  document.querySelectorAll(".toast--success").forEach((el) => setTimeout(() => el.remove(), 6000));
}

function enableCopyButtons(root) {
  // Buttons with data-copy="<input id>" copy that input's value; hidden where the clipboard API is missing.
  root.querySelectorAll("[data-copy]").forEach((button) => {
    if (!navigator.clipboard || button.dataset.copyReady) return;
    const label = button.textContent;
    button.dataset.copyReady = "1";
    button.hidden = false;
    button.addEventListener("click", async () => {
      await navigator.clipboard.writeText(document.getElementById(button.dataset.copy).value);
      button.textContent = "Copied";
      setTimeout(() => { button.textContent = label; }, 2000);
    });
  });
}

document.addEventListener("DOMContentLoaded", () => {
  fadeSuccessToasts();
  enableCopyButtons(document);
  document.querySelector("[data-autofocus]")?.focus();
});
document.addEventListener("htmx:afterSwap", (event) => {
  fadeSuccessToasts();
  enableCopyButtons(event.target);
});
