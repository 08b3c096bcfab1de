// QFC receiving with a keyboard-wedge scanner: each scan types the code and presses Enter.
// Enter in the label field checks the label (big feedback), then moves on; the carrier can be chosen
// or scanned (a code or name typed into the select's search); Enter in the tracking field receives.
(function () {
  "use strict";
  const form = document.getElementById("scan-form");
  if (!form) return;
  const label = document.getElementById("id_label");
  const courier = document.getElementById("id_courier");
  const tracking = document.getElementById("id_tracking_no");
  const box = document.getElementById("scan-feedback");
  const title = document.getElementById("scan-title");
  const message = document.getElementById("scan-message");
  const detail = document.getElementById("scan-detail");
  const recent = document.getElementById("recent-receipts");
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  // The submit handler below checks the three fields and says what is missing on the big feedback box (with
  // the error beep). Left on, the browser's own check would stop requestSubmit() first with a small bubble
  // on the select, easy to miss at a scanning station; without JavaScript the required attributes still hold.
  form.noValidate = true;
  let typedCarrier = "";
  let typedAt = 0;

  function show(kind, heading, text, items) {
    box.className = `scan-feedback scan-${kind}`;
    title.textContent = heading;
    message.textContent = text;
    detail.textContent = items ? items.map((i) => `${i.quantity} × ${i.product}${i.option ? " (" + i.option + ")" : ""}`).join("  ·  ") : "";
  }

  function beep(ok) {
    try {
      const ctx = new (window.AudioContext || window.webkitAudioContext)();
      const osc = ctx.createOscillator();
      osc.frequency.value = ok ? 880 : 220;
      osc.connect(ctx.destination);
      osc.start();
      osc.stop(ctx.currentTime + (ok ? 0.12 : 0.35));
    } catch (e) { /* no audio: the colours say it */ }
  }

  const TITLES = {
    already_received: "✖ Already received", order_cancelled: "✖ Cancelled order: do not ship",
    check_digit: "✖ Misread label", not_ours: "✖ Not a packing label", unknown_label: "✖ Unknown label",
    empty: "✖ Nothing scanned", unknown_courier: "✖ Unknown carrier", invalid_tracking_no: "✖ Bad tracking number",
    tracking_no_used: "✖ Tracking number already used", tracking_no_short: "✖ Partial scan?",
    tracking_no_is_label: "✖ That is the packing label", invoice_printed: "✖ Seller ships it with an invoice: do not ship",
    offline: "✖ No connection", server_error: "✖ Server error", signed_out: "✖ Signed out",
    page_out_of_date: "✖ Page out of date",
  };
  // What the server answered, as the scan's result. A scan that gets no JSON answer — the network is down, the
  // session ended (a 401 from the portal), the page is out of date (a 403 after signing in again elsewhere),
  // a server error — must say so loudly: a silent failure looks like a scan still in progress.
  async function ask(url, options) {
    let response;
    try {
      response = await fetch(url, { credentials: "same-origin", ...options });
    } catch (e) {
      return { ok: false, code: "offline", message: "The scan did not reach SmartShip: check the network and scan again." };
    }
    if ((response.headers.get("Content-Type") || "").startsWith("application/json")) {
      try { return await response.json(); } catch (e) { /* a cut answer: as below */ }
    }
    return { ok: false, code: "server_error", message: `SmartShip could not answer (HTTP ${response.status}). Scan again; a label that was received after all says so.` };
  }

  // A number the server found too short: scanning the very same number again (for this label) records it.
  let shortRefused = "";

  // Each sales site has its own carrier list (codes): once a label is found, offer the list of its order's
  // site (the lookup answers with it), keeping the chosen carrier when the new list has it by code or name.
  function useCarriersOf(data) {
    if (!data.couriers || data.courier_site === courier.dataset.site) return;
    const previous = courier.value;
    const chosen = previous ? courier.options[courier.selectedIndex].dataset.name : "";
    while (courier.options.length > 1) courier.remove(1);
    for (const c of data.couriers) {
      const option = new Option(`${c.name} (${c.code})`, c.code);
      option.dataset.name = c.name;
      courier.add(option);
    }
    courier.dataset.site = data.courier_site;
    const keep = data.couriers.find((c) => c.code === previous) || data.couriers.find((c) => c.name === chosen);
    courier.value = keep ? keep.code : "";
  }

  function nextAfterLabel() {
    if (courier.value) tracking.focus(); else courier.focus();
  }

  async function lookup() {
    const value = label.value.trim();
    if (!value) return;
    const data = await ask(`${form.dataset.lookupUrl}?label=${encodeURIComponent(value)}`, {
      headers: { Accept: "application/json" },
    });
    if (data.ok) {
      // A warning (items cancelled since printing, an invoice this parcel's number replaces) must not read as a
      // plain "found": the operator checks the parcel before receiving it.
      show("found", data.warning ? "⚠ Label found: check before receiving" : "Label found", data.message, data.items);
      useCarriersOf(data);
      nextAfterLabel();
    } else {
      show("error", TITLES[data.code] || "✖ Wrong label", data.message);
      beep(false);
      label.select();
    }
  }

  label.addEventListener("keydown", (event) => {
    if (event.key === "Enter") { event.preventDefault(); lookup(); }
  });
  tracking.addEventListener("keydown", (event) => {
    if (event.key === "Enter") { event.preventDefault(); form.requestSubmit(); }
  });
  // A scanner "types" a carrier code or name into the focused select: match it to an option.
  courier.addEventListener("keydown", (event) => {
    const now = Date.now();
    if (event.key === "Enter") {
      event.preventDefault();
      const wanted = typedCarrier.trim().toLowerCase();
      if (wanted) {
        const match = [...courier.options].find((o) => o.value && (o.value === wanted || o.text.toLowerCase().startsWith(wanted)));
        if (match) courier.value = match.value;
      }
      typedCarrier = "";
      if (courier.value) tracking.focus();
      return;
    }
    if (event.key.length === 1) {
      typedCarrier = now - typedAt > 800 ? event.key : typedCarrier + event.key;
      typedAt = now;
    }
  });
  courier.addEventListener("change", () => { if (courier.value && document.activeElement === courier) tracking.focus(); });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!label.value.trim()) { label.focus(); return; }
    if (!courier.value) {
      show("error", "✖ Carrier missing", "Choose or scan the carrier first.");
      beep(false);
      courier.focus();
      return;
    }
    if (!tracking.value.trim()) { tracking.focus(); return; }
    const body = new FormData(form);
    const attempt = `${label.value.trim()} ${tracking.value.trim()}`;
    if (shortRefused === attempt) body.set("short_confirmed", "on");
    const data = await ask(window.location.pathname, {
      method: "POST", body, headers: { Accept: "application/json", "X-CSRFToken": csrf },
    });
    shortRefused = !data.ok && data.code === "tracking_no_short" ? attempt : "";
    if (data.ok) {
      show("ok", "✔ Received", data.message, data.items);
      beep(true);
      const empty = recent.querySelector("li.muted");
      if (empty) empty.remove();
      const item = document.createElement("li");
      item.textContent = data.message;
      recent.prepend(item);
      label.value = "";
      tracking.value = "";
      label.focus();
    } else {
      show("error", TITLES[data.code] || "✖ Not received", data.message);
      beep(false);
      if (["invalid_tracking_no", "tracking_no_used", "tracking_no_short", "tracking_no_is_label"].includes(data.code)) {
        tracking.select(); tracking.focus();
      }
      else if (data.code === "unknown_courier") { courier.focus(); }
      else { label.select(); label.focus(); }
    }
  });
  document.getElementById("scan-reset").addEventListener("click", () => {
    show("idle", "Ready to scan", "Scan a packing label (PK…).");
    setTimeout(() => label.focus(), 0);
  });
})();
