// The SKU form: the Single / Option tabs and adding or removing option rows. The server checks every row.
(() => {
  const form = document.querySelector(".sku-form");
  if (!form) return;
  const tabs = [...form.querySelectorAll("[role=tab]")];
  const open = (tab) => {
    tabs.forEach((t) => {
      const selected = t === tab;
      t.setAttribute("aria-selected", String(selected));
      document.getElementById(t.getAttribute("aria-controls")).hidden = !selected;
    });
  };
  tabs.forEach((tab) => tab.addEventListener("click", () => open(tab)));
  form.querySelectorAll("[data-open-tab]").forEach((b) => b.addEventListener("click", () => open(document.getElementById(b.dataset.openTab))));
  form.querySelectorAll("input[name=kind]").forEach((radio) => radio.addEventListener("change", () => {
    form.dataset.kind = radio.value;
    if (radio.value === "single") open(tabs[0]);
  }));
  const total = form.querySelector("input[name=options-TOTAL_FORMS]");
  const rows = document.getElementById("option-rows");
  document.getElementById("add-option").addEventListener("click", () => {
    const index = Number(total.value);
    const html = document.getElementById("option-row-template").innerHTML
      .replaceAll("__prefix__", index).replaceAll("__number__", rows.children.length + 1);
    rows.insertAdjacentHTML("beforeend", html);
    total.value = index + 1;
    rows.lastElementChild.querySelector(".option-code").focus();
  });
  rows.addEventListener("click", (event) => {
    const button = event.target.closest(".remove-option");
    if (!button) return;
    button.closest("tr").remove();  // a missing index posts as an empty row, which is skipped
    // The rows keep the numbers the page shows them under, the ones the server's messages use after a submit.
    [...rows.children].forEach((row, i) => {
      row.querySelector(".option-number").textContent = i + 1;
      row.querySelectorAll("[aria-label]").forEach((el) => {
        el.setAttribute("aria-label", el.getAttribute("aria-label").replace(/(option) \d+/i, `$1 ${i + 1}`));
      });
    });
  });
})();
