// Try it: record with MediaRecorder (WebM/Opus), post to /try/run with the CSRF token, show the answer;
// or type the request: posted as JSON {"text"} to /try/text.
(function () {
  "use strict";
  const recorderBox = document.querySelector(".recorder");
  const button = document.getElementById("record");
  const label = button.querySelector(".label");
  const status = document.getElementById("status");
  const result = document.getElementById("result");
  const typedForm = document.getElementById("typed");
  const typedText = document.getElementById("typed-text");
  const typedSend = document.getElementById("typed-send");
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  recorderBox.hidden = false;

  typedForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    typedSend.disabled = true;
    status.textContent = "Working it out…";
    try {
      const reply = await fetch("/try/text", {
        method: "POST", body: JSON.stringify({ text: typedText.value }), credentials: "same-origin",
        headers: { "X-CSRF-Token": csrf, "Content-Type": "application/json" },
      });
      if (await answered(reply, true)) typedText.value = "";
    } catch (err) {
      status.textContent = "The server could not be reached. Check your connection and try again.";
    } finally {
      typedSend.disabled = false;
    }
  });

  async function answered(reply, typed) {
    const data = await reply.json();
    if (!reply.ok) {
      status.textContent = (data.error && data.error.message) ? "That didn't work: " + data.error.message + "." : "That didn't work.";
      return false;
    }
    show(data, typed);
    status.textContent = typed ? "Done. Type or say something else." : "Done. Press the button to ask something else.";
    return true;
  }

  if (!navigator.mediaDevices || !window.MediaRecorder) {
    button.disabled = true;
    status.textContent = "This browser cannot record audio (try a recent Firefox, Chrome or Safari); you can still type.";
    return;
  }
  let recorder = null;
  let chunks = [];

  function setBusy(recording) {
    button.setAttribute("aria-pressed", recording ? "true" : "false");
    label.textContent = recording ? "Stop and send" : "Start recording";
  }

  async function start() {
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (err) {
      status.textContent = "echoless could not use the microphone (" + err.name + "). Allow it in the browser and try again.";
      return;
    }
    const type = MediaRecorder.isTypeSupported("audio/webm;codecs=opus") ? "audio/webm;codecs=opus" : "";
    recorder = new MediaRecorder(stream, type ? { mimeType: type } : {});
    chunks = [];
    recorder.ondataavailable = (e) => { if (e.data.size) chunks.push(e.data); };
    recorder.onstop = () => { stream.getTracks().forEach((t) => t.stop()); send(new Blob(chunks, { type: recorder.mimeType || "audio/webm" })); };
    recorder.start();
    setBusy(true);
    status.textContent = "Listening… press the button again when you are done.";
  }

  async function send(blob) {
    setBusy(false);
    button.disabled = true;
    status.textContent = "Working it out…";
    const body = new FormData();
    body.append("audio", blob, "request.webm");
    try {
      const reply = await fetch("/try/run", { method: "POST", body, headers: { "X-CSRF-Token": csrf }, credentials: "same-origin" });
      await answered(reply, false);
    } catch (err) {
      status.textContent = "The server could not be reached. Check your connection and try again.";
    } finally {
      button.disabled = false;
    }
  }

  function show(data, typed) {
    document.getElementById("heard-label").textContent = typed ? "Typed" : "Heard";
    document.getElementById("heard").textContent = data.transcript ? "\u201c" + data.transcript + "\u201d" : "(nothing heard)";
    document.getElementById("answered").textContent = data.response || "";
    const action = data.action || {};
    document.getElementById("did").textContent = action.result || action.intent || "nothing";
    document.getElementById("stored").textContent = data.stored ? "Kept in your history under your settings." : "Not kept: your settings keep nothing of this.";
    const player = document.getElementById("speech");
    if (data.speech) {
      player.src = "data:audio/wav;base64," + data.speech;
      player.hidden = false;
      player.play().catch(() => {});
    } else {
      player.hidden = true;
    }
    result.hidden = false;
  }

  button.addEventListener("click", () => {
    if (recorder && recorder.state === "recording") recorder.stop();
    else start();
  });
})();
