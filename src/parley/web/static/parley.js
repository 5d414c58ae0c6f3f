// Parley's pages work without this file; it only makes some things quicker.
// Loaded with `defer` from this site (the Content-Security-Policy allows no inline script).
"use strict";

(function () {
  const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

  // Forms marked data-inplace (like, repost, bookmark, follow...) are sent in the
  // background; the server answers with the fragment that replaces the form's
  // [data-replace] ancestor (or the post around it).
  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-inplace")) return;
    event.preventDefault();
    const target = form.closest("[data-replace]") || form.closest("article.post");
    const button = form.querySelector("button");
    if (button) button.disabled = true;
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { "X-Parley-Fragment": "1", "X-CSRF-Token": csrf() },
        credentials: "same-origin",
      });
      if (!response.ok) {
        let message = response.statusText;
        try { message = (await response.json()).error || message; } catch (e) { /* not JSON */ }
        window.alert(message);
        if (button) button.disabled = false;
        return;
      }
      const html = await response.text();
      if (target && html.trim()) {
        const focusClass = button ? button.className : null;
        const template = document.createElement("template");
        template.innerHTML = html.trim();
        const replacement = template.content.firstElementChild;
        target.replaceWith(replacement);
        // Keep keyboard focus on the button that was pressed.
        if (focusClass && replacement) {
          const again = replacement.querySelector("form[action='" + form.getAttribute("action").replace(/[^/]+$/, "") + "'] button") ||
            replacement.querySelector("button." + focusClass.split(" ").slice(-1)[0]);
          (again || replacement.querySelector("button"))?.focus();
        }
      } else if (button) {
        button.disabled = false;
      }
    } catch (e) {
      form.submit();  // the network failed: fall back to a normal submission
    }
  });
})();
