// The door page: scan tickets with the device camera. Typing a code works without this file.
// Decoding uses the browser's BarcodeDetector where it reads QR codes, else jsQR (served from
// node_modules like htmx). A code is sent through the same form a person types into.
(function () {
  const root = document.querySelector("[data-door]");
  if (!root) return;
  const form = root.querySelector("#door-form");
  const input = form.querySelector("input[name=code]");
  const start = root.querySelector("[data-scan-start]");
  const panel = root.querySelector("[data-scanner]");
  const video = panel.querySelector("video");
  const note = panel.querySelector("[data-scan-status]");
  const stop = panel.querySelector("[data-scan-stop]");
  const REPEAT_MS = 4000; // the same ticket held in front of the camera is sent once
  let stream = null;
  let last = { code: "", at: 0 };

  function focusCode() {
    input.value = "";
    input.focus();
  }

  // After every check-in the next person's code goes straight into the empty field.
  document.addEventListener("htmx:afterSwap", (event) => {
    if (event.target.id === "door-result") focusCode();
  });

  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return; // no camera: typing only
  start.hidden = false;

  function loadScript(src) {
    return new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = src;
      script.onload = resolve;
      script.onerror = () => reject(new Error("could not load " + src));
      document.head.append(script);
    });
  }

  async function nativeDetector() {
    if (!("BarcodeDetector" in window)) return null;
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      if (!formats.includes("qr_code")) return null;
      const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      return async (frame) => {
        const found = await detector.detect(frame);
        return found.length ? found[0].rawValue : null;
      };
    } catch {
      return null;
    }
  }

  async function jsqrDetector() {
    if (!window.jsQR) await loadScript(root.dataset.jsqr);
    const canvas = document.createElement("canvas");
    const context = canvas.getContext("2d", { willReadFrequently: true });
    return async (frame) => {
      const width = frame.videoWidth;
      const height = frame.videoHeight;
      if (!width || !height) return null;
      canvas.width = width;
      canvas.height = height;
      context.drawImage(frame, 0, 0, width, height);
      const image = context.getImageData(0, 0, width, height);
      const found = window.jsQR(image.data, width, height, { inversionAttempts: "attemptBoth" });
      return found ? found.data : null;
    };
  }

  function send(code) {
    const now = Date.now();
    if (code === last.code && now - last.at < REPEAT_MS) return;
    last = { code, at: now };
    input.value = code;
    form.requestSubmit();
  }

  async function scan(detect) {
    while (stream) {
      try {
        const code = await detect(video);
        if (code) send(code.trim());
      } catch {
        // a frame that could not be read; the next one may
      }
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  }

  function close() {
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    panel.hidden = true;
    start.hidden = false;
    focusCode();
  }

  start.addEventListener("click", async () => {
    panel.hidden = false;
    start.hidden = true;
    note.textContent = "Starting the camera…";
    try {
      const detect = (await nativeDetector()) || (await jsqrDetector());
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
      video.srcObject = stream;
      await video.play();
      note.textContent = "Hold the ticket's QR code in front of the camera.";
      scan(detect);
    } catch (error) {
      close();
      const message = document.createElement("p");
      message.className = "doorresult doorresult--error";
      message.setAttribute("role", "alert");
      message.textContent = "The camera is not available (" + error.message + "). Type the code instead.";
      document.getElementById("door-result").replaceChildren(message);
    }
  });
  stop.addEventListener("click", close);
})();
