// Explorateur des règles : filtre de recherche, arbres dépliables, impression. Sans dépendance.
"use strict";

function filterIndex(input) {
  const root = document.querySelector(input.dataset.filter);
  if (!root) return;
  const words = input.value.toLowerCase().trim().split(/\s+/).filter(Boolean);
  let shown = 0;
  root.querySelectorAll("[data-search]").forEach((item) => {
    const match = words.every((w) => item.dataset.search.includes(w));
    item.hidden = !match;
    if (match) shown += 1;
  });
  const count = document.getElementById("search-count");
  if (count) count.textContent = words.length ? shown + " résultat(s)" : "";
}

function setOpen(selector, open) {
  document.querySelectorAll(selector + " details").forEach((d) => { d.open = open; });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("input[data-filter]").forEach((input) => {
    input.addEventListener("input", () => filterIndex(input));
    if (input.value) filterIndex(input);
  });
  document.querySelectorAll("[data-expand]").forEach((b) => b.addEventListener("click", () => setOpen(b.dataset.expand, true)));
  document.querySelectorAll("[data-collapse]").forEach((b) => b.addEventListener("click", () => setOpen(b.dataset.collapse, false)));
});

// Imprimer une explication entière : tout déplier avant, restaurer après.
let closedBeforePrint = [];
window.addEventListener("beforeprint", () => {
  closedBeforePrint = Array.from(document.querySelectorAll("details:not([open])"));
  closedBeforePrint.forEach((d) => { d.open = true; });
});
window.addEventListener("afterprint", () => {
  closedBeforePrint.forEach((d) => { d.open = false; });
  closedBeforePrint = [];
});
