// The rules editor: check and preview as you type (POST /api/preview), save when valid.
// Everything from the server is put in the page with textContent, never as markup.
"use strict";
(function () {
  const editor = document.getElementById("editor");
  if (!editor) return;
  const textarea = document.getElementById("yaml");
  const gutter = document.getElementById("gutter");
  const highlight = document.getElementById("highlight");
  const errorList = document.getElementById("errors");
  const previewBox = document.getElementById("preview");
  const daysInput = document.getElementById("days");
  const saveButton = document.getElementById("save");
  const saveStatus = document.getElementById("save-status");
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const file = editor.dataset.file;
  let loaded = editor.dataset.loaded;
  let errorsByLine = new Map();
  let timer = null;
  let sequence = 0;
  let lastValid = false;

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  // YAML highlighting: a <pre> under the transparent textarea, rebuilt on each edit.
  // Enough of YAML for rule files: comments, keys, list dashes, quoted strings, atoms.
  const KEY = /^(\s*(?:-\s+)*)("[^"]*"|'[^']*'|[^\s#'"\-{}\[\],][^:#]*?)(\s*:)(?=\s|$)/;
  const TOKEN = /("(?:[^"\\]|\\.)*"?|'[^']*'?)|(\s#.*$)|([{}\[\],])|(\b(?:true|false|null|yes|no)\b|-?\b\d+(?:\.\d+)?\b)/g;

  function span(parent, text, className) {
    if (!text) return;
    if (!className) { parent.appendChild(document.createTextNode(text)); return; }
    parent.appendChild(el("span", text, className));
  }

  function highlightValue(parent, text) {
    let last = 0;
    text.replace(TOKEN, (match, str, comment, punct, atom, offset) => {
      span(parent, text.slice(last, offset));
      span(parent, match, str ? "tok-string" : comment ? "tok-comment" : punct ? "tok-punct" : "tok-atom");
      last = offset + match.length;
      return match;
    });
    span(parent, text.slice(last));
  }

  function highlightLine(line) {
    const out = el("span", null, "hl-line");
    if (/^\s*#/.test(line)) { span(out, line, "tok-comment"); return out; }
    let rest = line;
    const key = KEY.exec(line);
    if (key) {
      const dash = key[1].match(/^(\s*)(.*)$/);
      span(out, dash[1]);
      span(out, dash[2], "tok-dash");
      span(out, key[2], "tok-key");
      span(out, key[3], "tok-punct");
      rest = line.slice(key[0].length);
    } else {
      const dash = line.match(/^(\s*)((?:-\s+)*)/);
      span(out, dash[1]);
      span(out, dash[2], "tok-dash");
      rest = line.slice(dash[0].length);
    }
    highlightValue(out, rest);
    return out;
  }

  function drawHighlight() {
    const lines = textarea.value.split("\n");
    highlight.textContent = "";
    lines.forEach((line, i) => {
      const node = highlightLine(line);
      if (errorsByLine.has(i + 1)) node.classList.add("bad");
      highlight.appendChild(node);
      highlight.appendChild(document.createTextNode("\n"));
    });
    highlight.appendChild(document.createTextNode(" "));
    syncScroll();
  }

  function syncScroll() {
    highlight.scrollTop = textarea.scrollTop;
    highlight.scrollLeft = textarea.scrollLeft;
    gutter.scrollTop = textarea.scrollTop;
  }

  function drawGutter() {
    const lines = textarea.value.split("\n").length;
    gutter.textContent = "";
    for (let n = 1; n <= lines; n++) {
      const line = el("div", n, errorsByLine.has(n) ? "line bad" : "line");
      if (errorsByLine.has(n)) line.title = errorsByLine.get(n).join("\n");
      gutter.appendChild(line);
    }
    drawHighlight();
  }

  function goToLine(line, column) {
    const lines = textarea.value.split("\n");
    let offset = 0;
    for (let i = 0; i < line - 1 && i < lines.length; i++) offset += lines[i].length + 1;
    offset += Math.max(0, (column || 1) - 1);
    textarea.focus();
    textarea.setSelectionRange(offset, offset);
  }

  function showErrors(errors) {
    errorsByLine = new Map();
    errorList.textContent = "";
    for (const e of errors) {
      if (!errorsByLine.has(e.line)) errorsByLine.set(e.line, []);
      errorsByLine.get(e.line).push(e.message);
      const item = el("li", null, "error");
      item.dataset.line = e.line;
      const where = el("a", "line " + e.line + ", column " + e.column, "where");
      where.href = "#";
      where.addEventListener("click", (ev) => { ev.preventDefault(); goToLine(e.line, e.column); });
      item.appendChild(where);
      item.appendChild(document.createTextNode(": " + e.message));
      errorList.appendChild(item);
    }
    drawGutter();
  }

  function table(headers, rows, className) {
    const t = el("table", null, "grid " + (className || ""));
    const head = t.createTHead().insertRow();
    for (const h of headers) head.appendChild(el("th", h));
    const body = t.createTBody();
    for (const r of rows) {
      const tr = body.insertRow();
      for (const c of r) tr.appendChild(el("td", c));
    }
    return t;
  }

  function matchRows(matches) {
    return matches.map((m) => [m.rule, m.title, m.reasons.join("; "), m.destinations.join(", ")]);
  }

  function showPreview(data) {
    previewBox.textContent = "";
    if (data.errors.length) {
      previewBox.appendChild(el("p", "Fix the problems above to see what these rules match.", "muted"));
      return;
    }
    previewBox.appendChild(el("h3", data.matches.length + " matches in " + data.papers +
      " papers seen in the last " + data.days + " days"));
    const counts = el("div", null, "counts");
    counts.appendChild(table(["rule", "matches"], Object.entries(data.per_rule), "per-rule"));
    counts.appendChild(table(["destination", "alerts"], Object.entries(data.per_destination), "per-destination"));
    previewBox.appendChild(counts);
    const change = el("p", "Compared with the saved file: +" + data.added.length + " added, −" +
      data.dropped.length + " dropped", "change");
    change.id = "change";
    previewBox.appendChild(change);
    if (data.added.length) {
      previewBox.appendChild(el("h4", "Added by this edit"));
      previewBox.appendChild(table(["rule", "paper", "why", "to"], matchRows(data.added), "added"));
    }
    if (data.dropped.length) {
      previewBox.appendChild(el("h4", "Dropped by this edit"));
      previewBox.appendChild(table(["rule", "paper", "why", "to"], matchRows(data.dropped), "dropped"));
    }
    previewBox.appendChild(el("h4", "All matches"));
    const all = table(["rule", "paper", "why", "to"], matchRows(data.matches), "matches");
    all.id = "matches";
    previewBox.appendChild(all);
  }

  async function check() {
    const mine = ++sequence;
    const body = JSON.stringify({ yaml: textarea.value, days: Number(daysInput.value) || 7, file: file });
    let data;
    try {
      const reply = await fetch("/api/preview", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: body,
        credentials: "same-origin",
      });
      data = await reply.json();
      if (!reply.ok) throw new Error(data.error || reply.statusText);
    } catch (err) {
      if (mine === sequence) previewBox.textContent = "Preview failed: " + err.message;
      return;
    }
    if (mine !== sequence) return; // a newer edit is being checked
    lastValid = data.errors.length === 0;
    if (saveButton) saveButton.disabled = !lastValid;
    showErrors(data.errors);
    showPreview(data);
    editor.dataset.checked = String(mine);
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(check, 250);
  }

  async function save() {
    saveStatus.textContent = "Saving…";
    const reply = await fetch("/api/rules/save", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ file: file, yaml: textarea.value, loaded: loaded }),
      credentials: "same-origin",
    });
    const data = await reply.json();
    if (reply.ok && data.saved) {
      loaded = data.loaded;
      saveStatus.textContent = "Saved " + data.file + "; the service reloads it within seconds.";
      saveStatus.className = "ok";
      schedule();
    } else {
      if (data.errors) showErrors(data.errors);
      saveStatus.textContent = "Not saved: " + (data.error || "fix the problems listed");
      saveStatus.className = "error";
    }
  }

  textarea.addEventListener("input", () => { drawGutter(); schedule(); });
  textarea.addEventListener("scroll", syncScroll);
  textarea.addEventListener("keydown", (ev) => {
    if (ev.key === "Tab" && !textarea.readOnly) { // two spaces, as YAML wants
      ev.preventDefault();
      textarea.setRangeText("  ", textarea.selectionStart, textarea.selectionEnd, "end");
      drawGutter(); schedule();
    }
  });
  daysInput.addEventListener("change", schedule);
  if (saveButton) saveButton.addEventListener("click", save);
  drawGutter();
  check();
})();
