// Parley's pages work without this file; it only makes some things quicker.
// Loaded with `defer` from this site (the Content-Security-Policy allows no inline script).
//
// - Forms marked data-inplace are sent in the background and the answer replaces the
//   post (or the [data-replace] element) they sit in.
// - Compose forms (data-compose) get a live character counter that asks the server,
//   which counts exactly as it will when the post is sent.
// - A timeline marked data-poll asks for newer posts every 15 seconds while the tab is
//   visible and offers a button to show them.
"use strict";

(function () {
  const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || "";
  const FRAGMENT = { "X-Parley-Fragment": "1" };

  function parse(html) {
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content;
  }

  // --- in-place forms ------------------------------------------------------------------

  function showError(target, form, message) {
    const host = target || form.parentElement;
    if (!host) return;
    host.querySelector(":scope > .inline-error")?.remove();
    const p = document.createElement("p");
    p.className = "inline-error error small";
    p.setAttribute("role", "alert");
    p.textContent = message;
    host.appendChild(p);
  }

  // The button to focus after the post was replaced: the same action or its undo.
  function sameAction(replacement, action) {
    const verb = action.split("/").pop();
    const base = verb.replace(/^un/, "");
    return replacement.querySelector(
      'form[action$="/' + base + '"] button, form[action$="/un' + base + '"] button'
    );
  }

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-inplace")) return;
    event.preventDefault();
    const target = form.closest("[data-replace]") || form.closest("article.post");
    const button = form.querySelector("button");
    if (button) button.disabled = true;
    let response;
    try {
      response = await fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { ...FRAGMENT, "X-CSRF-Token": csrf() },
        credentials: "same-origin",
      });
    } catch (e) {
      form.submit(); // the network failed: fall back to a normal submission
      return;
    }
    if (!response.ok) {
      let message = response.statusText;
      try { message = (await response.json()).error || message; } catch (e) { /* not JSON */ }
      if (button) button.disabled = false;
      showError(target, form, message);
      return;
    }
    const html = await response.text();
    if (!html.trim()) {
      // Nothing to show any more (a deleted post, one no longer visible).
      if (target) target.remove();
      return;
    }
    const replacement = parse(html).firstElementChild;
    if (!target || !replacement) {
      if (button) button.disabled = false;
      return;
    }
    const hadFocus = document.activeElement === button;
    target.replaceWith(replacement);
    if (hadFocus || document.activeElement === document.body) {
      (sameAction(replacement, form.getAttribute("action") || "") || replacement.querySelector("button"))?.focus();
    }
  });

  // --- the character counter -------------------------------------------------------------

  function counter(form) {
    const text = form.querySelector("[data-compose-text]");
    const spoiler = form.querySelector("[data-compose-spoiler]");
    const output = form.querySelector("[data-counter]");
    const live = form.querySelector("[data-counter-live]");
    const submit = form.querySelector("[data-compose-submit]");
    const problem = form.querySelector("[data-compose-problem]");
    const files = form.querySelector("[data-compose-files]");
    const url = form.getAttribute("data-count-url");
    if (!text || !output || !url) return;
    let timer = 0;
    let asked = 0;
    let band = "ok";

    function announce(remaining) {
      if (!live) return;
      const now = remaining < 0 ? "over" : remaining <= 20 ? "near" : "ok";
      // Not every keystroke: when the count enters a band near or over the limit, and
      // every five characters while it stays there.
      if (now === "ok") {
        if (band !== "ok") live.textContent = "";
      } else if (now !== band || remaining % 5 === 0) {
        const template = live.getAttribute(now === "over" ? "data-over" : "data-left") || "{n}";
        live.textContent = template.replace("{n}", String(Math.abs(remaining)));
      }
      band = now;
    }

    function show(answer) {
      const remaining = answer.remaining;
      output.textContent = String(remaining);
      output.classList.toggle("over", remaining < 0);
      output.classList.toggle("near", remaining >= 0 && remaining <= 20);
      if (remaining < 0) text.setAttribute("aria-invalid", "true");
      else text.removeAttribute("aria-invalid");
      if (submit) submit.disabled = !answer.valid;
      if (problem) {
        // Why it cannot be sent, unless that is plain (empty, or the red count).
        const say = !answer.valid && remaining >= 0 && text.value.trim() !== "" ? answer.error || "" : "";
        if (problem.textContent !== say) problem.textContent = say;
      }
      announce(remaining);
    }

    // A post with images may have no text.
    function hasMedia() {
      return (files && files.files && files.files.length > 0) || form.querySelector("[data-compose-media]") !== null;
    }

    async function ask() {
      const mine = ++asked;
      const body = new URLSearchParams({
        text: text.value,
        spoiler_text: spoiler ? spoiler.value : "",
        with_media: hasMedia() ? "1" : "",
      });
      try {
        const response = await fetch(url, {
          method: "POST",
          body,
          headers: { "X-CSRF-Token": csrf(), Accept: "application/json" },
          credentials: "same-origin",
        });
        if (!response.ok) throw new Error(String(response.status));
        const answer = await response.json();
        if (mine === asked) show(answer); // a later keystroke's answer wins
      } catch (e) {
        if (submit) submit.disabled = false; // the server will check when it is sent
      }
    }

    function changed() {
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, 100);
    }

    text.addEventListener("input", changed);
    spoiler?.addEventListener("input", changed);
    files?.addEventListener("change", changed);
    if (submit && text.value.trim() === "" && !hasMedia()) submit.disabled = true;
    else if (text.value) ask();
    form.addEventListener("submit", () => {
      // One click, one post (the idempotency key covers the rest).
      window.setTimeout(() => { if (submit) submit.disabled = true; }, 0);
    });
  }

  // A prefilled reply ("@alice "): the caret goes after the mention.
  function caretToEnd(textarea) {
    const end = textarea.value.length;
    textarea.setSelectionRange(end, end);
  }

  document.querySelectorAll("form[data-compose]").forEach(counter);
  document.querySelectorAll("textarea[data-compose-text][autofocus]").forEach(caretToEnd);
  if (window.location.hash === "#reply") {
    const reply = document.querySelector("#reply textarea[data-compose-text]");
    if (reply) {
      reply.focus();
      caretToEnd(reply);
    }
  }

  // --- new posts on a timeline -------------------------------------------------------------

  const POLL_MS = 15000;

  function poller(section) {
    const url = section.getAttribute("data-poll");
    const slot = section.querySelector("[data-new-posts-slot]");
    const feed = section.querySelector("[data-feed]");
    if (!url || !slot || !feed) return;
    let pending = null;
    let timer = 0;
    let failures = 0;

    function schedule(ms) {
      window.clearTimeout(timer);
      timer = window.setTimeout(poll, ms);
    }

    function offer(label) {
      let button = slot.querySelector("button");
      if (!button) {
        button = document.createElement("button");
        button.type = "button";
        button.className = "new-posts button secondary";
        button.addEventListener("click", reveal);
        slot.appendChild(button);
      }
      if (button.textContent !== label) button.textContent = label;
    }

    function reveal() {
      if (!pending) return;
      if (pending.hasAttribute("data-more")) {
        window.location.reload(); // more than one batch: a fresh first page
        return;
      }
      const shown = new Set(Array.from(feed.querySelectorAll(":scope > article.post")).map((a) => a.getAttribute("data-id")));
      const posts = Array.from(pending.querySelectorAll(":scope > article.post")).filter((a) => !shown.has(a.getAttribute("data-id")));
      feed.querySelector(":scope > .empty")?.remove();
      feed.prepend(...posts);
      section.setAttribute("data-since", pending.getAttribute("data-newest") || section.getAttribute("data-since"));
      pending = null;
      slot.replaceChildren();
      if (posts.length) {
        posts[0].setAttribute("tabindex", "-1");
        posts[0].focus();
      }
    }

    async function poll() {
      if (document.visibilityState !== "visible") return; // resumed by visibilitychange
      const since = section.getAttribute("data-since") || "0";
      try {
        const response = await fetch(url + "?since_id=" + encodeURIComponent(since), {
          headers: FRAGMENT,
          credentials: "same-origin",
        });
        if (!response.ok || response.headers.get("X-Parley-Fragment") !== "1") throw new Error(String(response.status));
        const root = parse(await response.text()).querySelector("[data-new-posts]");
        failures = 0;
        if (root && Number(root.getAttribute("data-count")) > 0) {
          pending = root;
          offer(root.getAttribute("data-label") || "");
        }
      } catch (e) {
        failures += 1;
      }
      schedule(POLL_MS * Math.min(8, 2 ** failures)); // back off while the server is unhappy
    }

    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") schedule(1000);
      else window.clearTimeout(timer);
    });
    schedule(POLL_MS);
  }

  document.querySelectorAll("[data-poll]").forEach(poller);
})();
