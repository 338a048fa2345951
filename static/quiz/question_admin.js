// The question form's evidence picker: show the filter box (htmx makes it work), and keep
// Enter in it from submitting the whole question form.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  for (const element of document.querySelectorAll("[data-needs-js]")) {
    element.hidden = false;
  }
  const filter = document.getElementById("evidence-filter");
  if (filter) {
    filter.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
      }
    });
  }
});
