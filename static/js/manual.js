// Manual shipping order form: add and remove item rows. The server checks every row; this only
// keeps the formset's row numbers (items-<n>-…) contiguous and TOTAL_FORMS right.
(() => {
  const form = document.getElementById("manual-order-form");
  if (!form) return;
  const body = document.getElementById("item-rows");
  const template = document.getElementById("item-row-template");
  const total = form.querySelector("input[name='items-TOTAL_FORMS']");
  const pattern = /items-(\d+|__prefix__)-/;

  const renumber = () => {
    const rows = body.querySelectorAll("tr.item-row");
    rows.forEach((row, index) => {
      row.querySelectorAll("[name], [id], [for], [aria-describedby]").forEach((element) => {
        for (const attribute of ["name", "id", "for", "aria-describedby"]) {
          const value = element.getAttribute(attribute);
          if (value && pattern.test(value)) element.setAttribute(attribute, value.replace(pattern, `items-${index}-`));
        }
      });
      row.querySelectorAll("[data-aria-label]").forEach((element) => {
        element.setAttribute("aria-label", element.dataset.ariaLabel.replace("{n}", index + 1));
      });
      row.querySelector(".item-no").textContent = index + 1;
    });
    total.value = rows.length;
  };

  const addRow = () => {
    body.appendChild(template.content.cloneNode(true));
    renumber();
    body.lastElementChild.querySelector("input").focus();
  };

  form.addEventListener("click", (event) => {
    if (event.target.closest("[data-add-item]")) {
      addRow();
      return;
    }
    const remove = event.target.closest("[data-remove-item]");
    if (!remove) return;
    const row = remove.closest("tr.item-row");
    const next = row.nextElementSibling || row.previousElementSibling;
    row.remove();
    if (!body.querySelector("tr.item-row")) { addRow(); return; }
    renumber();
    // The button that had the focus is gone: keep the keyboard in the table.
    (next ? next.querySelector("input") : form.querySelector("[data-add-item]")).focus();
  });
})();
