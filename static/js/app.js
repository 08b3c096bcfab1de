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

// A form that changes something the seller cannot take back asks first (data-confirm holds the question).
document.addEventListener("submit", (event) => {
  const question = event.target.getAttribute("data-confirm");
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
