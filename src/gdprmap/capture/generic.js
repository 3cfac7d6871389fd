// gdprmap's generic consent-banner finder (issue #16), evaluated in one frame.
// Argument: {patterns: {kind: [normalised texts]}, kinds: [kinds to look for, in order]}.
// Returns the visible clickable elements whose accessible text matches a pattern, best first:
// [{kind, text, css, pattern}]. Nothing is clicked here.
(arg) => {
  const norm = (s) => (s || "").normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
    .toLowerCase().replace(/[’']/g, "'").replace(/[^\p{L}\p{N}' ]+/gu, " ")
    .replace(/\s+/g, " ").trim();
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    if (r.width < 2 || r.height < 2) return false;
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.display === "none" || s.visibility === "hidden" || Number(s.opacity) === 0) return false;
    }
    return true;
  };
  const label = (el) => {
    const own = el.getAttribute("aria-label") || el.getAttribute("title") || "";
    const text = el.tagName === "INPUT" ? (el.value || "") : (el.innerText || el.textContent || "");
    return norm(text) || norm(own);
  };
  const cssPath = (el) => {
    const parts = [];
    for (let e = el; e && e.nodeType === 1 && e !== document.documentElement; e = e.parentElement) {
      if (e.id && /^[A-Za-z][\w-]*$/.test(e.id) && document.querySelectorAll("#" + e.id).length === 1) {
        parts.unshift("#" + e.id);
        break;
      }
      let i = 1;
      for (let s = e.previousElementSibling; s; s = s.previousElementSibling) {
        if (s.tagName === e.tagName) i++;
      }
      parts.unshift(e.tagName.toLowerCase() + ":nth-of-type(" + i + ")");
    }
    if (parts.length && !parts[0].startsWith("#")) parts.unshift("html");
    return parts.join(" > ");
  };
  const selector = "button, a, [role=button], [role=link], input[type=button], input[type=submit], [onclick], [tabindex]";
  const seen = new Set();
  const found = [];
  for (const el of document.querySelectorAll(selector)) {
    // the innermost clickable element only: a <span role=button> inside a <button> is one control
    let host = el;
    while (host.parentElement && host.parentElement.closest(selector) &&
           label(host.parentElement.closest(selector)) === label(host)) {
      host = host.parentElement.closest(selector);
    }
    if (seen.has(host) || !visible(host)) continue;
    seen.add(host);
    const text = label(host);
    if (!text || text.length > 80) continue;
    arg.kinds.forEach((kind, rank) => {
      for (const p of arg.patterns[kind]) {
        // the control's whole text, or its text starting with the pattern ("Accepter et fermer")
        const exact = text === p;
        if (exact || (text.startsWith(p + " ") && text.length <= p.length + 30)) {
          found.push({kind, text: (host.innerText || host.value || host.getAttribute("aria-label") || "").trim().slice(0, 200),
                      css: cssPath(host), pattern: p, score: rank * 10 + (exact ? 0 : 1)});
          return;
        }
      }
    });
  }
  found.sort((a, b) => a.score - b.score);
  return found;
}
