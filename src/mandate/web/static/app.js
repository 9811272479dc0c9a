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

// Live updates (htmx SSE extension on elements with sse-connect): the fragments re-fetch themselves;
// this keeps the stream address at the newest position seen, so a connection htmx re-creates after
// an error resumes there instead of replaying, and announces other people's changes in the toasts.
function rememberLivePosition(zone, eventId) {
  if (!eventId) return;
  const url = new URL(zone.getAttribute("sse-connect"), window.location.href);
  url.searchParams.set("last_event_id", eventId);
  zone.setAttribute("sse-connect", url.pathname + url.search);
}

function announceLiveChange(zone, message) {
  let change;
  try {
    change = JSON.parse(message.data).data;
  } catch {
    return;
  }
  if (!change || !change.message || change.actor_id === zone.dataset.liveUser) return;
  const toast = document.createElement("div");
  toast.className = "toast toast--info";
  toast.textContent = change.message;
  document.getElementById("toasts")?.append(toast);
  setTimeout(() => toast.remove(), 6000);
}

// A live refresh of something deleted meanwhile answers 404 with a notice to show in its place.
document.addEventListener("htmx:beforeSwap", (event) => {
  if (event.detail.xhr.status === 404 && event.detail.elt.hasAttribute("data-swap-not-found")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

document.addEventListener("htmx:sseOpen", (event) => {
  const zone = event.target;
  const source = event.detail.source;
  if (source.mandateFollowed) return; // the browser reconnected the same source
  source.mandateFollowed = true;
  const types = (zone.dataset.liveEvents || "").split(/\s+/).filter(Boolean);
  types.forEach((type) => source.addEventListener(type, (message) => {
    rememberLivePosition(zone, message.lastEventId);
    announceLiveChange(zone, message);
  }));
  source.addEventListener("reload", (message) => rememberLivePosition(zone, message.lastEventId));
});

// A live refresh would close a confirm step someone has open (e.g. "Cancel…" on a busy attendee
// list); skip it then. The action's own answer, or the next change, brings the region up to date.
document.addEventListener("htmx:beforeRequest", (event) => {
  const elt = event.detail.elt;
  const live = (elt.getAttribute("hx-trigger") || "").includes("sse:");
  if (live && elt.querySelector("details.confirm[open]")) event.preventDefault();
});
