// The student's pages work without this file. With it: a request htmx could not complete is
// explained where the student is looking, and a timed attempt counts down to the second.
(() => {
  "use strict";

  // Failed requests ---------------------------------------------------------------------------
  // htmx swaps 2xx, 409 and 422 (see base.html); anything else leaves the page as it was, so
  // say what failed, in the region that asked, with a way to try again.

  const texts = () => JSON.parse(document.getElementById("request-failures").textContent);

  function failureBox(elt, status) {
    const t = texts();
    const verb = (elt.getAttribute("hx-post") ? "POST" : "GET");
    const what = elt.closest("[data-failed]")?.dataset.failed || t.what[verb];
    const why = t[String(status)] || t.other;
    const reload = status === 403 || status === 404;
    const box = document.createElement("div");
    box.className = "request-failed";
    box.setAttribute("role", "alert");
    box.tabIndex = -1;
    const text = document.createElement("p");
    const strong = document.createElement("strong");
    strong.textContent = what;
    text.append(strong, " ", why);
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button";
    button.textContent = reload ? t.reload : t.retry;
    button.addEventListener("click", () => {
      box.remove();
      if (reload) {
        window.location.reload();
      } else if (elt.tagName === "FORM") {
        elt.requestSubmit();
      } else {
        elt.click();
      }
    });
    box.append(text, button);
    return box;
  }

  function showFailure(event) {
    const elt = event.detail.elt;
    if (!elt || elt.closest("[data-quiet-failure]")) return; // the timer: its next sync will do
    const status = event.type === "htmx:responseError" ? event.detail.xhr.status : 0;
    const region = elt.closest("[data-failures-here]") || document.getElementById("main");
    region.querySelectorAll(".request-failed").forEach((old) => old.remove());
    const box = failureBox(elt, status);
    region.prepend(box);
    box.focus();
  }

  for (const name of ["htmx:responseError", "htmx:sendError", "htmx:timeout"]) {
    document.addEventListener(name, showFailure);
  }
  // A new try clears the last try's messages: they were about what was sent then.
  document.addEventListener("htmx:beforeRequest", (event) => {
    const region = event.detail.elt.closest("[data-failures-here]");
    region?.querySelectorAll(".request-failed, #answer-error").forEach((old) => old.remove());
  });

  // Back/forward cache: an attempt page shown again from memory could offer a question that is
  // no longer current; ask the server instead.
  window.addEventListener("pageshow", (event) => {
    if (event.persisted && document.querySelector("[data-no-back-cache]")) {
      window.location.reload();
    }
  });

  // The countdown -----------------------------------------------------------------------------
  // The server says how many seconds are left whenever it renders the timer (every page, every
  // swap, and a sync every 30 seconds, which brings extra time given meanwhile); between syncs
  // the browser counts down on its monotonic clock, so a wrong clock on the computer changes
  // nothing. At zero the attempt page is loaded: the server closes the attempt and shows the
  // results.

  const WARN_AT = [300, 60]; // a polite announcement when these many seconds are left
  const announced = new Set();
  let ticking = null;
  let endsAt = null; // the deadline the page last showed: a sync that moves it says so

  function clock(seconds) {
    const s = Math.max(0, Math.ceil(seconds));
    const h = Math.floor(s / 3600);
    const mm = String(Math.floor((s % 3600) / 60)).padStart(h ? 2 : 1, "0");
    const ss = String(s % 60).padStart(2, "0");
    return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
  }

  function startTimer() {
    const timer = document.getElementById("timer");
    if (!timer || timer.dataset.counting) return;
    timer.dataset.counting = "yes";
    const left = Number(timer.dataset.secondsLeft);
    const from = performance.now();
    const shown = timer.querySelector("[data-countdown]");
    const announce = document.getElementById("timer-announce");
    // Thresholds already behind when the page came are not announced late; those ahead again
    // (a sync brought extra time) are announced anew when reached.
    for (const at of WARN_AT) {
      if (left <= at) announced.add(at);
      else announced.delete(at);
    }
    const end = timer.querySelector("time")?.getAttribute("datetime");
    if (endsAt && end && end !== endsAt && announce) announce.textContent = timer.dataset.changed;
    endsAt = end;
    timer.querySelector(".countdown").hidden = false;
    clearInterval(ticking);
    const tick = () => {
      if (!timer.isConnected) return;
      const now = left - (performance.now() - from) / 1000;
      shown.textContent = clock(now);
      timer.classList.toggle("timer-low", now <= WARN_AT[0]);
      for (const at of WARN_AT) {
        if (now <= at && !announced.has(at)) {
          announced.add(at);
          if (announce) announce.textContent = timer.dataset[at === 60 ? "warnOne" : "warnFive"];
        }
      }
      if (now <= 0) {
        clearInterval(ticking);
        window.location.assign(timer.dataset.attemptUrl);
      }
    };
    tick();
    ticking = setInterval(tick, 250);
  }

  document.addEventListener("DOMContentLoaded", startTimer);
  document.addEventListener("htmx:load", startTimer);
})();
