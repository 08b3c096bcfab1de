// Small behaviours shared by every page; htmx does the partial page updates.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const text = button.getAttribute("data-copy");
  const done = () => {
    const label = button.textContent;
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = label; }, 1500);
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done);
  } else {
    const area = document.createElement("textarea");
    area.value = text;
    document.body.appendChild(area);
    area.select();
    document.execCommand("copy");
    area.remove();
    done();
  }
});

// Lists with a box per row. "Select all" (data-select-all: a selector for the rows' boxes) ticks every row
// that can be ticked; a "… selected" line (data-selected-count: the same selector) keeps the count, also for
// boxes the browser restored on Back. A form with data-select-first, sent with nothing ticked, says its
// message on that line instead of sending (e.g. the pick list, which opens in a new tab).
(() => {
  const ticked = (selector) => [...document.querySelectorAll(selector)].filter((box) => box.checked);
  const count = () => document.querySelectorAll("[data-selected-count]").forEach((line) => {
    line.textContent = `${ticked(line.dataset.selectedCount).length} selected`;
  });
  document.addEventListener("change", (event) => {
    const all = event.target.closest("[data-select-all]");
    if (all) {
      document.querySelectorAll(all.dataset.selectAll).forEach((box) => { if (!box.disabled) box.checked = all.checked; });
    }
    count();
  });
  document.addEventListener("submit", (event) => {
    const form = event.target;
    const all = form.dataset.selectFirst && form.querySelector("[data-select-all]");
    if (!all || ticked(all.dataset.selectAll).length) return;
    event.preventDefault();
    event.stopImmediatePropagation(); // nothing to confirm either
    const line = form.querySelector("[data-selected-count]");
    if (line) line.textContent = form.dataset.selectFirst;
    all.focus();
  });
  count();
})();

// A form that changes something the seller cannot take back asks first (data-confirm holds the question; a
// button of its own, e.g. Print all beside Print, may ask its own).
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  const question = (button && button.getAttribute("data-confirm")) || event.target.getAttribute("data-confirm");
  if (question && !window.confirm(question)) event.preventDefault();
});

// The menu on narrow screens: a button opens it over the page; Esc, the close button or a tap beside it
// closes it, and the focus goes back to where it came from.
(() => {
  const button = document.querySelector(".nav-button");
  if (!button) return;
  const setOpen = (open) => {
    document.body.classList.toggle("nav-open", open);
    button.setAttribute("aria-expanded", String(open));
    (open ? document.querySelector("#sidebar .nav-close") : button).focus();
  };
  button.addEventListener("click", () => setOpen(!document.body.classList.contains("nav-open")));
  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-nav-close]")) setOpen(false);
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && document.body.classList.contains("nav-open")) setOpen(false);
  });
})();

// A background request that fails — the network, a server error, a page out of date after signing in again
// elsewhere (the portal answers those with a message) — would leave its button looking dead or its progress
// frozen: say what happened above the page, until the same element's next request goes through.
(() => {
  const box = document.getElementById("request-error");
  if (!box) return;
  let failed = null; // the failed request's element and the one its answer would have replaced
  const say = (detail, text) => {
    failed = { elt: detail.elt, target: detail.target };
    box.textContent = text;
    box.className = "alert alert-error";
    box.hidden = false;
  };
  const ended = (matches) => {
    if (failed && matches) { failed = null; box.hidden = true; box.className = ""; }
  };
  document.addEventListener("htmx:sendError", (event) => {
    say(event.detail, "SmartShip could not be reached: check the network and try again.");
  });
  document.addEventListener("htmx:responseError", (event) => {
    const xhr = event.detail.xhr;
    let text = "";
    try { text = JSON.parse(xhr.responseText).message || ""; } catch (e) { /* not JSON: a proxy's or server's page */ }
    say(event.detail, text || `SmartShip could not answer (HTTP ${xhr.status}): try again in a moment.`);
  });
  // Before the swap: a button that replaces itself is out of the document by the time its request ends.
  document.addEventListener("htmx:beforeSwap", (event) => {
    ended(!event.detail.isError && failed && event.detail.target === failed.target);
  });
  document.addEventListener("htmx:afterRequest", (event) => {
    ended(event.detail.successful && failed && event.detail.elt === failed.elt);
  });
})();
