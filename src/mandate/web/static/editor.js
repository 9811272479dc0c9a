// The document editor: autosave with compare-and-set, offline retry, conflict resolution, live notices
// and a small Markdown toolbar. Without this file the page still saves through its plain form.
(() => {
  "use strict";

  const root = document.getElementById("editor");
  if (!root) return;
  const textarea = document.getElementById("content");
  const form = document.getElementById("saveform");
  const statusLine = document.getElementById("save-status");
  const conflictBox = document.getElementById("conflict");
  const liveNotice = document.getElementById("live-notice");
  const versionLabel = document.getElementById("doc-version");
  const lastSaved = document.getElementById("last-saved");
  const preview = document.getElementById("doc-preview");
  const documentId = root.dataset.documentId;
  const userId = root.dataset.userId;
  const editable = root.dataset.editable === "true";
  const csrf = document.querySelector("input[name=csrf_token]")?.value || "";

  const DEBOUNCE_MS = 1000;
  const RETRY_FIRST_MS = 1000;
  const RETRY_MAX_MS = 30000;

  const state = {
    version: Number(root.dataset.version), // the version this editor's text is based on
    saved: textarea ? textarea.value : "", // the text the server holds at that version
    timer: null,
    retryTimer: null,
    retryDelay: RETRY_FIRST_MS,
    inFlight: null, // the promise of the PATCH under way
    conflict: null, // the server's answer while a conflict waits for the user
    halted: false, // finalised elsewhere, or the role no longer allows editing
    offline: false, // the last attempt did not reach the server
    ownEvent: null, // a live save notice by this user that arrived while a save was under way
  };

  const clock = (iso) =>
    new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });

  function setStatus(text, kind) {
    if (!statusLine) return;
    statusLine.textContent = text;
    statusLine.dataset.state = kind || "";
  }

  function setVersion(version) {
    state.version = version;
    root.dataset.version = String(version);
    const hidden = form?.querySelector("input[name=base_version]");
    if (hidden) hidden.value = String(version);
    if (versionLabel) versionLabel.textContent = String(version);
  }

  const dirty = () => textarea && textarea.value !== state.saved;

  function noteSaved(who, iso) {
    if (lastSaved) lastSaved.textContent = `Last saved by ${who} at ${clock(iso)}`;
  }

  // --- Saving -------------------------------------------------------------------------------

  function schedule(delay) {
    clearTimeout(state.timer);
    state.timer = setTimeout(save, delay);
  }

  function retryLater() {
    state.offline = true;
    setStatus("Offline — retrying", "offline");
    clearTimeout(state.retryTimer);
    state.retryTimer = setTimeout(save, state.retryDelay);
    state.retryDelay = Math.min(state.retryDelay * 2, RETRY_MAX_MS);
  }

  async function save() {
    clearTimeout(state.timer);
    clearTimeout(state.retryTimer);
    if (!editable || state.halted || state.conflict || !dirty()) return;
    if (state.inFlight) {
      // One PATCH at a time; the newest text goes when this one is answered.
      await state.inFlight;
      return save();
    }
    const content = textarea.value;
    if (!state.offline) setStatus("Saving…", "saving");
    state.inFlight = send(content);
    let outcome;
    try {
      outcome = await state.inFlight;
    } finally {
      state.inFlight = null;
    }
    settleOwnEvent();
    if (outcome === "retry") retryLater();
    else if (outcome === "saved" && dirty()) schedule(DEBOUNCE_MS);
  }

  // PATCH the text; the answer is "saved", "retry" (network or server trouble), "conflict" or "halt".
  async function send(content) {
    let response;
    try {
      response = await fetch(`/api/document-generation/documents/${documentId}/content`, {
        method: "PATCH",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        credentials: "same-origin",
        body: JSON.stringify({ content, base_version: state.version }),
      });
    } catch {
      return "retry";
    }
    let body = {};
    try {
      body = await response.json();
    } catch {
      body = {};
    }
    if (response.ok) {
      state.offline = false;
      state.retryDelay = RETRY_FIRST_MS;
      state.saved = content;
      setVersion(body.version);
      noteSaved("you", body.saved_at);
      if (dirty()) setStatus("Unsaved changes", "dirty");
      else setStatus(`Saved at ${clock(body.saved_at)}`, "saved");
      return "saved";
    }
    if (response.status >= 500 || response.status === 429) return "retry";
    state.offline = false;
    if (response.status === 409 && body.code === "version_conflict") {
      showConflict(body);
      return "conflict";
    }
    state.halted = true;
    if (response.status === 409 && body.code === "document_final") {
      setStatus("Not saved: someone finalised this document. Copy your text, then reload.", "error");
    } else {
      setStatus(`Not saved: ${body.detail || `HTTP ${response.status}`}. Reload the page.`, "error");
    }
    return "halt";
  }

  // --- Conflicts ----------------------------------------------------------------------------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([key, value]) => {
      if (key === "text") node.textContent = value;
      else node.setAttribute(key, value);
    });
    children.forEach((child) => child && node.append(child));
    return node;
  }

  // Lines only one side has, in order (longest common subsequence of lines).
  function lineDiff(mine, theirs) {
    const a = theirs.split("\n");
    const b = mine.split("\n");
    if (a.length * b.length > 4_000_000) return null; // too long to compare line by line here
    const lcs = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
    for (let i = a.length - 1; i >= 0; i--) {
      for (let j = b.length - 1; j >= 0; j--) {
        lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    const out = [];
    let i = 0;
    let j = 0;
    while (i < a.length || j < b.length) {
      if (i < a.length && j < b.length && a[i] === b[j]) {
        out.push(["same", a[i]]); i++; j++;
      } else if (j < b.length && (i >= a.length || lcs[i][j + 1] >= lcs[i + 1][j])) {
        out.push(["mine", b[j]]); j++;
      } else {
        out.push(["theirs", a[i]]); i++;
      }
    }
    return out;
  }

  // Changed lines with a little context; long unchanged runs become "… 12 unchanged lines".
  function collapse(diff, context = 2) {
    const keep = diff.map(([kind]) => kind !== "same");
    const near = keep.map((_, i) => keep.slice(Math.max(0, i - context), i + context + 1).some(Boolean));
    const out = [];
    let skipped = 0;
    diff.forEach((line, i) => {
      if (near[i]) {
        if (skipped) out.push(["skip", `… ${skipped} unchanged line${skipped === 1 ? "" : "s"}`]);
        skipped = 0;
        out.push(line);
      } else {
        skipped++;
      }
    });
    if (skipped) out.push(["skip", `… ${skipped} unchanged line${skipped === 1 ? "" : "s"}`]);
    return out;
  }

  function comparison(mine, theirs, author) {
    const cols = el("div", { class: "diffcols" },
      el("section", { class: "diffcol", "aria-label": "Your version" },
        el("h3", { text: "Your version" }), el("pre", { class: "diffcol__text", tabindex: "0", text: mine })),
      el("section", { class: "diffcol", "aria-label": "Saved version" },
        el("h3", { text: `Saved version${author ? ` by ${author}` : ""}` }),
        el("pre", { class: "diffcol__text", tabindex: "0", text: theirs })));
    const diff = lineDiff(mine, theirs);
    if (!diff) return cols;
    const shown = collapse(diff);
    const list = el("ol", { class: "difflines", tabindex: "0", "aria-label": "Line by line differences" });
    shown.forEach(([kind, text]) => {
      if (kind === "skip") {
        list.append(el("li", { class: "diffline diffline--skip", text }));
        return;
      }
      const prefix = { mine: "Only in yours: ", theirs: "Only in the saved version: ", same: "" }[kind];
      const line = el("li", { class: `diffline diffline--${kind}` });
      if (prefix) line.append(el("span", { class: "visually-hidden", text: prefix }));
      line.append(el("span", { "aria-hidden": "true", text: kind === "mine" ? "+ " : kind === "theirs" ? "− " : "  " }));
      line.append(document.createTextNode(text || " "));
      list.append(line);
    });
    return el("div", { class: "compare" }, el("h3", { text: "Differences" }), list,
      el("h3", { text: "Both versions in full" }), cols);
  }

  function showConflict(body) {
    state.conflict = body;
    const author = body.updated_by || "Someone";
    setStatus("Not saved: someone else saved first", "conflict");
    conflictBox.replaceChildren();
    const compareButton = el("button", { type: "button", class: "btn", "aria-expanded": "false", text: "Compare" });
    const keep = el("button", { type: "button", class: "btn btn--primary", text: "Keep mine" });
    const take = el("button", { type: "button", class: "btn", text: "Take theirs" });
    const area = el("div", { class: "conflict__compare", hidden: "" });
    conflictBox.append(
      el("p", {},
        el("strong", { text: `${author} saved version ${body.current_version}` }),
        document.createTextNode(" while you were editing. Your text is kept in the editor until you choose.")),
      el("div", { class: "actions" }, compareButton, keep, take),
      area,
    );
    compareButton.addEventListener("click", () => {
      const open = area.hidden;
      if (open) area.replaceChildren(comparison(textarea.value, body.content, body.updated_by));
      area.hidden = !open;
      compareButton.setAttribute("aria-expanded", String(open));
    });
    keep.addEventListener("click", () => resolve("mine"));
    take.addEventListener("click", () => resolve("theirs"));
    conflictBox.hidden = false;
    keep.focus();
  }

  function resolve(choice) {
    const body = state.conflict;
    state.conflict = null;
    conflictBox.hidden = true;
    conflictBox.replaceChildren();
    liveNotice.textContent = ""; // this editor now builds on the newest version
    if (choice === "theirs") {
      textarea.value = body.content;
      state.saved = body.content;
      setVersion(body.current_version);
      textarea.dispatchEvent(new Event("input", { bubbles: true })); // refresh the preview
      setStatus(`Showing version ${body.current_version}, saved by ${body.updated_by || "someone else"}`, "saved");
    } else {
      // Save this text on top of the version that won.
      setVersion(body.current_version);
      state.saved = body.content;
      save();
    }
    textarea.focus();
  }

  // --- Live notices -------------------------------------------------------------------------

  // After a save's answer: a save announced meanwhile by the same person that is not this one came from
  // another window.
  function settleOwnEvent() {
    const event = state.ownEvent;
    state.ownEvent = null;
    if (event && event.version > state.version) announce(event);
  }

  function listen(url) {
    if (!url || !window.EventSource) return;
    const source = new EventSource(url);
    source.addEventListener("document.saved", (message) => {
      let event;
      try {
        event = JSON.parse(message.data).data;
      } catch {
        return;
      }
      if (!event || event.version <= state.version) return; // one this editor already has
      if (event.author_id === userId && state.inFlight) {
        state.ownEvent = event; // most likely this editor's own save, announced before its answer came
        return;
      }
      announce(event);
    });
  }

  function announce(event) {
    const who = event.author_id === userId ? "you in another window" : event.author;
    liveNotice.textContent = `Updated by ${who} just now (version ${event.version}).`;
    noteSaved(who, event.saved_at);
    if (!editable) follow(event.version);
  }

  // A read-only page has nothing to lose: it shows the newest text and preview at once.
  async function follow(version) {
    try {
      const response = await fetch(`/api/document-generation/documents/${documentId}`, { credentials: "same-origin" });
      if (!response.ok) return;
      const body = await response.json();
      if (body.version < version || body.version <= state.version) return;
      textarea.value = body.content;
      state.saved = body.content;
      setVersion(body.version);
      const rendered = await fetch(`/documents/${documentId}/preview`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRF-Token": csrf },
        body: new URLSearchParams({ content: body.content }),
      });
      if (rendered.ok && preview) preview.innerHTML = await rendered.text(); // sanitised by the server
    } catch {
      // offline: the notice stays; a reload shows the text
    }
  }

  // --- Toolbar ------------------------------------------------------------------------------

  const TABLE = "\n| Column | Column |\n| --- | --- |\n| Cell | Cell |\n";

  function wrap(before, after, placeholder) {
    const { selectionStart: start, selectionEnd: end, value } = textarea;
    const chosen = value.slice(start, end) || placeholder;
    textarea.setRangeText(before + chosen + after, start, end, "end");
    textarea.setSelectionRange(start + before.length, start + before.length + chosen.length);
  }

  function prefixLines(prefix) {
    const { selectionStart: start, selectionEnd: end, value } = textarea;
    const lineStart = value.lastIndexOf("\n", start - 1) + 1;
    const block = value.slice(lineStart, end);
    textarea.setRangeText(block.split("\n").map((l) => prefix + l).join("\n"), lineStart, end, "end");
  }

  const ACTIONS = {
    bold: () => wrap("**", "**", "bold text"),
    italic: () => wrap("*", "*", "italic text"),
    heading: () => prefixLines("## "),
    list: () => prefixLines("- "),
    table: () => textarea.setRangeText(TABLE, textarea.selectionEnd, textarea.selectionEnd, "end"),
    link: () => wrap("[", "](https://)", "link text"),
  };

  const SHORTCUTS = { b: "bold", i: "italic", k: "link" };

  function enableShortcuts() {
    textarea.addEventListener("keydown", (event) => {
      if (!(event.ctrlKey || event.metaKey) || event.altKey) return;
      const key = event.key.toLowerCase();
      if (key === "s") {
        event.preventDefault();
        save();
      } else if (SHORTCUTS[key] && !event.shiftKey) {
        event.preventDefault();
        ACTIONS[SHORTCUTS[key]]();
        textarea.dispatchEvent(new Event("input", { bubbles: true }));
      }
    });
  }

  function enableToolbar() {
    const bar = document.querySelector(".mdtoolbar");
    if (!bar) return;
    bar.hidden = false;
    bar.addEventListener("click", (event) => {
      const button = event.target.closest("[data-md]");
      if (!button) return;
      textarea.focus();
      ACTIONS[button.dataset.md]?.();
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    });
  }

  // --- Wiring -------------------------------------------------------------------------------

  async function flushThen(target) {
    await save();
    if (!dirty() && !state.conflict) {
      window.removeEventListener("beforeunload", warn);
      target.submit();
    }
  }

  function warn(event) {
    if (editable && (dirty() || state.inFlight)) {
      event.preventDefault();
      event.returnValue = "";
    }
  }

  if (editable && textarea) {
    textarea.addEventListener("input", () => {
      if (state.conflict || state.halted || !dirty()) return;
      if (!state.offline) setStatus("Unsaved changes", "dirty");
      schedule(DEBOUNCE_MS);
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      save();
    });
    window.addEventListener("online", () => {
      if (dirty()) {
        state.retryDelay = RETRY_FIRST_MS;
        save();
      }
    });
    window.addEventListener("beforeunload", warn);
    // Actions that reload the page (finalise, name a version) save the latest text first.
    document.querySelectorAll("form[data-flush]").forEach((f) =>
      f.addEventListener("submit", (event) => {
        if (!dirty()) return;
        event.preventDefault();
        flushThen(f);
      }));
    enableToolbar();
    enableShortcuts();
  }
  listen(root.dataset.liveUrl);
})();
