// resyncbot console: renders the chat and the side panel from the server's
// event stream, and posts commands and clicks. Plain DOM, no framework: all
// text goes in through textContent, never as HTML.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const store = window.localStorage;

  const state = {
    me: null,
    people: [],
    channels: [],
    channel: "",
    messages: new Map(), // id → message
    order: [], // ids, oldest first
    panel: null,
    help: [],
    envs: [],
    unread: {},
    history: JSON.parse(store.getItem("resyncbot.history") || "[]"),
    historyPos: -1,
    source: null,
    snapshotSeen: false,
  };

  // el builds an element: el("p", {className: "x", text: "hi"}, child…).
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "text") node.textContent = v;
      else if (k === "className") node.className = v;
      else if (k === "dataset") Object.assign(node.dataset, v);
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else if (k === "colour") node.style.setProperty("--env", v);
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  // inline renders the bot's small Markdown subset: *bold*, _italic_, `code`.
  function inline(text) {
    const out = [];
    const re = /(`[^`\n]+`)|(\*[^*\n]+\*)|(?<![\w])(_[^_\n]+_)(?![\w])/g;
    let last = 0;
    for (const m of text.matchAll(re)) {
      if (m.index > last) out.push(text.slice(last, m.index));
      const tok = m[0];
      const body = tok.slice(1, -1);
      if (m[1]) out.push(el("code", { text: body }));
      else if (m[2]) out.push(el("strong", { text: body }));
      else out.push(el("em", { text: body }));
      last = m.index + tok.length;
    }
    if (last < text.length) out.push(text.slice(last));
    return out;
  }

  function richText(text, className) {
    const box = el("div", { className });
    text.split("\n").forEach((line, i) => {
      if (i > 0) box.append(el("br"));
      box.append(...inline(line));
    });
    return box;
  }

  const clock = (t) =>
    new Date(t).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
  const thousands = (n) => Number(n).toLocaleString("en-GB");

  function duration(seconds) {
    const s = Math.round(seconds);
    if (s < 60) return s + "s";
    const m = Math.floor(s / 60);
    return m + "m " + String(s % 60).padStart(2, "0") + "s";
  }

  // ---------------------------------------------------------------- server

  async function post(path, body) {
    const res = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!res.ok) {
      let text = "The console answered " + res.status + ".";
      try {
        text = (await res.json()).error || text;
      } catch (_) {
        /* keep the status */
      }
      throw new Error(text);
    }
  }

  function showError(where, err) {
    where.textContent = err ? String(err.message || err) : "";
  }

  async function sendCommand(channel, line) {
    showError($("send-error"), null);
    try {
      await post("command", { user: state.me.id, channel, text: line });
      return true;
    } catch (err) {
      showError($("send-error"), err);
      return false;
    }
  }

  async function click(channel, messageID, button, trigger) {
    if (button.confirm && !(await confirmDialog(button))) return;
    if (trigger) {
      trigger.disabled = true;
      trigger.setAttribute("aria-busy", "true");
      setTimeout(() => {
        trigger.disabled = false;
        trigger.removeAttribute("aria-busy");
      }, 2000);
    }
    try {
      if (button.command) {
        await post("command", { user: state.me.id, channel, text: button.command });
      } else {
        await post("click", {
          user: state.me.id,
          channel,
          message: messageID || "",
          action_id: button.action_id,
          value: button.value,
        });
      }
    } catch (err) {
      showError($("send-error"), err);
    }
  }

  // confirmDialog asks "are you sure?" in a modal <dialog>; Cancel has the
  // focus, so Enter on a dangerous button does not confirm by accident.
  function confirmDialog(button) {
    const d = $("confirm");
    const c = button.confirm;
    $("confirm-title").textContent = c.title;
    $("confirm-text").textContent = c.text;
    $("confirm-ok").textContent = c.ok || "OK";
    $("confirm-cancel").textContent = c.cancel || "Cancel";
    $("confirm-ok").className = button.style === "danger" ? "danger" : "primary";
    d.classList.toggle("prod", !!state.channels.find((ch) => ch.name === state.channel && ch.production));
    d.returnValue = "";
    return new Promise((resolve) => {
      d.addEventListener("close", () => resolve(d.returnValue === "ok"), { once: true });
      d.showModal();
      $("confirm-cancel").focus();
    });
  }

  function connect(user) {
    if (state.source) state.source.close();
    state.snapshotSeen = false;
    setConn("connecting…", "");
    const src = new EventSource("events?user=" + encodeURIComponent(user || ""));
    state.source = src;
    src.addEventListener("snapshot", (ev) => {
      state.snapshotSeen = true;
      onSnapshot(JSON.parse(ev.data));
      setConn("live", "ok");
    });
    src.addEventListener("message", (ev) => onMessage(JSON.parse(ev.data)));
    src.addEventListener("panel", (ev) => onPanel(JSON.parse(ev.data)));
    src.addEventListener("error", () => {
      if (!state.snapshotSeen && user) {
        // Not one of the console's people (any more): be the first one.
        store.removeItem("resyncbot.persona");
        connect("");
        return;
      }
      setConn("reconnecting…", "down");
    });
  }

  function setConn(text, cls) {
    const c = $("conn");
    c.textContent = text;
    c.className = "conn " + cls;
  }

  // ---------------------------------------------------------------- events

  function onSnapshot(s) {
    state.me = s.me;
    state.people = s.people;
    state.channels = s.channels;
    state.help = (s.help || "").split("\n");
    state.envs = envsFromHelp(state.help);
    state.messages = new Map();
    state.order = [];
    for (const m of s.messages) addMessage(m);
    store.setItem("resyncbot.persona", s.me.id);
    const want = decodeURIComponent(location.hash.slice(1)) || store.getItem("resyncbot.channel");
    state.channel = state.channels.some((c) => c.name === want) ? want : (state.channels[0] || {}).name || "";
    state.unread = {};
    renderPersona();
    renderChannels();
    renderChannel();
    if (s.panel) onPanel(s.panel);
    showEnv();
    updateHint();
  }

  function addMessage(m) {
    if (!state.messages.has(m.id)) state.order.push(m.id);
    state.messages.set(m.id, m);
  }

  function onMessage(m) {
    const isNew = !state.messages.has(m.id);
    addMessage(m);
    if (!state.channels.some((c) => c.name === m.channel)) {
      state.channels.push({ name: m.channel });
      renderChannels();
    }
    if (m.channel !== state.channel) {
      if (isNew && !m.parent) {
        state.unread[m.channel] = (state.unread[m.channel] || 0) + 1;
        renderChannels();
      }
      return;
    }
    const list = $("messages");
    const stick = list.scrollHeight - list.scrollTop - list.clientHeight < 120;
    const target = m.parent && state.messages.has(m.parent) ? m.parent : m.id;
    const empty = list.querySelector("li.empty");
    if (empty) empty.remove();
    keepFocus(() => {
      const old = list.querySelector(`li.msg[data-id="${CSS.escape(target)}"]`);
      const fresh = renderMessage(state.messages.get(target));
      if (old) {
        // An edit (progress, mostly) is not news to read out again.
        fresh.setAttribute("aria-live", "off");
        old.replaceWith(fresh);
      } else list.append(fresh);
    });
    if (stick || (isNew && m.ephemeral)) list.scrollTop = list.scrollHeight;
  }

  function onPanel(p) {
    state.panel = p;
    showError($("panel-error"), p.error ? new Error(p.error) : null);
    keepFocus(() => renderPanel());
  }

  // keepFocus re-renders without losing the keyboard's place: the focused
  // control is found again by its data-key.
  function keepFocus(render) {
    const key = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.key : "";
    render();
    if (key) {
      const again = document.querySelector(`[data-key="${CSS.escape(key)}"]`);
      if (again && again !== document.activeElement) again.focus();
    }
  }

  // ---------------------------------------------------------------- header

  function renderPersona() {
    const sel = $("persona");
    sel.replaceChildren(
      ...state.people.map((p) =>
        el("option", { value: p.id, selected: p.id === state.me.id }, p.name + " — " + (p.roles.join(", ") || "no role")),
      ),
    );
    $("roles").textContent = abilities(state.me.roles || []);
    document.title = "resyncbot console — " + state.me.name;
  }

  // abilities says what a person's roles let them do.
  function abilities(roles) {
    const can = [];
    if (roles.includes("engineer")) can.push("request resyncs, abort and restore");
    if (roles.includes("approver")) can.push("approve or deny requests");
    return can.length ? "can " + can.join("; ") : "can watch only";
  }

  $("persona").addEventListener("change", (ev) => {
    store.setItem("resyncbot.persona", ev.target.value);
    connect(ev.target.value);
  });

  // ---------------------------------------------------------------- channels

  function renderChannels() {
    const ul = $("channel-list");
    ul.replaceChildren(
      ...state.channels.map((c, i) => {
        const n = state.unread[c.name] || 0;
        const b = el(
          "button",
          {
            type: "button",
            className: "channel" + (c.production ? " prod" : ""),
            "aria-current": c.name === state.channel ? "page" : false,
            colour: c.colour,
            dataset: { key: "channel:" + c.name, channel: c.name },
            title: c.topic || "",
            onclick: () => switchChannel(c.name),
          },
          el("span", { className: "hash", "aria-hidden": "true", text: "#" }),
          c.name,
          c.production ? el("span", { className: "tag", text: "PROD" }) : null,
          n ? el("span", { className: "badge", text: String(n), "aria-label": n + " new" }) : null,
        );
        if (i < 9) b.setAttribute("aria-keyshortcuts", "Alt+" + (i + 1));
        return el("li", {}, b);
      }),
    );
  }

  function switchChannel(name) {
    if (!state.channels.some((c) => c.name === name)) return;
    state.channel = name;
    state.unread[name] = 0;
    store.setItem("resyncbot.channel", name);
    if (decodeURIComponent(location.hash.slice(1)) !== name) history.replaceState(null, "", "#" + name);
    renderChannels();
    renderChannel();
    updateHint();
    showEnv();
  }

  // showEnv scrolls the side panel to the current channel's environment.
  function showEnv() {
    const ch = state.channels.find((c) => c.name === state.channel);
    const sec = ch && ch.env && document.querySelector(`details[data-env="${CSS.escape(ch.env)}"]`);
    if (!sec) return;
    const panel = sec.closest(".panel");
    const top = sec.getBoundingClientRect().top - panel.getBoundingClientRect().top + panel.scrollTop;
    panel.scrollTo({ top: Math.max(top - 40, 0) });
  }

  window.addEventListener("hashchange", () => switchChannel(decodeURIComponent(location.hash.slice(1))));

  function renderChannel() {
    const ch = state.channels.find((c) => c.name === state.channel) || { name: state.channel };
    $("channel-title").textContent = "#" + ch.name;
    $("channel-topic").textContent = ch.topic || "";
    $("prod-banner").hidden = !ch.production;
    document.body.classList.toggle("in-prod", !!ch.production);
    const composer = $("composer");
    composer.classList.toggle("prod", !!ch.production);
    composer.style.setProperty("--env", ch.colour || "transparent");
    $("command").placeholder = ch.env ? "/resync " + ch.env + (ch.production ? ' reason="…"' : "") : "/resync help";
    const list = $("messages");
    const tops = state.order.map((id) => state.messages.get(id)).filter((m) => m.channel === state.channel && (!m.parent || !state.messages.has(m.parent)));
    list.replaceChildren(...tops.map(renderMessage));
    if (!tops.length) list.append(el("li", { className: "empty", text: "Nothing here yet." }));
    list.scrollTop = list.scrollHeight;
  }

  // ---------------------------------------------------------------- messages

  function renderMessage(m) {
    if (m.command) {
      return el(
        "li",
        { className: "msg command ephemeral", dataset: { id: m.id } },
        el("span", { className: "who", text: m.author }),
        " ran ",
        el("code", { text: m.command }),
        el("span", { className: "only", text: "Only visible to you" }),
        el("time", { datetime: m.time, text: clock(m.time) }),
      );
    }
    const s = m.style || {};
    const li = el("li", {
      className: "msg" + (m.ephemeral ? " ephemeral" : "") + (s.production ? " prod" : "") + (s.env ? " env" : ""),
      dataset: { id: m.id, env: s.env || "" },
      colour: s.colour,
    });
    li.append(...messageBody(m, m.id, m.channel));
    const replies = state.order
      .map((id) => state.messages.get(id))
      .filter((r) => r.parent === m.id);
    if (replies.length) {
      li.append(
        el(
          "ol",
          { className: "thread", "aria-label": "Replies" },
          replies.map((r) =>
            el("li", { className: "reply", dataset: { id: r.id } }, richText(r.text || r.title || "", "text"), el("time", { datetime: r.time, text: clock(r.time) })),
          ),
        ),
      );
    }
    return li;
  }

  // messageBody renders a chat message's content; the side panel's notices
  // use it too, so they look exactly as in the status channel.
  function messageBody(m, id, channel) {
    const s = m.style || {};
    const parts = [];
    if (s.production) {
      parts.push(el("div", { className: "prod-flag", role: "note" }, el("strong", { text: "PRODUCTION" }), s.label && s.label !== "PRODUCTION" ? " · " + s.label : ""));
    }
    const head = el("div", { className: "head" });
    if (s.label && !s.production) head.append(el("span", { className: "env-label", colour: s.colour, text: s.label }));
    head.append(el("span", { className: "bot", text: "resyncbot" }));
    if (m.title) head.append(el("strong", { className: "title", text: m.title }));
    if (m.time) head.append(el("time", { datetime: m.time, text: clock(m.time) + (m.edited ? " · edited" : "") }));
    parts.push(head);
    if (m.text) parts.push(richText(m.text, "text"));
    if (m.fields && m.fields.length) {
      parts.push(el("dl", { className: "fields" }, m.fields.map((f) => el("div", {}, el("dt", { text: f.label }), el("dd", {}, inline(f.value))))));
    }
    if (m.bars && m.bars.length) parts.push(el("div", { className: "bars" }, m.bars.map(renderBar)));
    if (m.buttons && m.buttons.length) {
      parts.push(
        el(
          "div",
          { className: "buttons" },
          m.buttons.map((b) =>
            el("button", {
              type: "button",
              className: b.style || "default",
              text: b.label,
              dataset: { key: "btn:" + id + ":" + b.action_id + ":" + b.value, action: b.action_id },
              onclick: (ev) => click(channel, id, b, ev.currentTarget),
            }),
          ),
        ),
      );
    }
    if (m.footer) parts.push(el("div", { className: "footer" }, inline(m.footer)));
    if (m.ephemeral) parts.push(el("div", { className: "only", text: "Only visible to you" }));
    return parts;
  }

  function renderBar(b) {
    const known = b.percent >= 0;
    const pct = known ? Math.floor(b.percent) : 0;
    return el(
      "div",
      { className: "bar", dataset: { percent: known ? String(pct) : "" } },
      el("span", { className: "bar-label", text: b.label }),
      known
        ? el("progress", { max: "100", value: String(b.percent), "aria-label": b.label + " " + pct + "%" })
        : el("progress", { "aria-label": b.label }),
      el("span", { className: "bar-text", text: (known ? pct + "%  " : "") + b.text }),
    );
  }

  // ---------------------------------------------------------------- panel

  function renderPanel() {
    const p = state.panel;
    const box = $("panel");
    if (!p) return;
    const open = {};
    for (const d of box.querySelectorAll("details[data-env]")) open[d.dataset.env] = d.open;
    box.replaceChildren(...p.envs.map((e) => renderEnv(e, open[e.name] !== false)));
  }

  function renderEnv(e, open) {
    const sec = el("details", {
      className: "env-panel" + (e.production ? " prod" : ""),
      dataset: { env: e.name },
      colour: e.colour,
      open,
    });
    sec.append(
      el(
        "summary",
        { dataset: { key: "env:" + e.name } },
        el("span", { className: "env-name", text: e.label }),
        e.production && !/PRODUCTION/.test(e.label) ? el("span", { className: "tag", text: "PRODUCTION" }) : null,
        el("span", { className: "env-id", text: e.name }),
        e.running ? el("span", { className: "busy", text: "running" }) : null,
      ),
    );
    if (e.error) sec.append(el("p", { className: "send-error", text: e.error }));
    if (e.preparing) {
      sec.append(el("p", { className: "preparing", role: "status", text: e.preparing }));
    }
    sec.append(el("h3", { text: "Live data" }));
    if (e.live) sec.append(el("div", { className: "live" }, genLine(e, e.live, true)));
    else sec.append(el("p", { className: "muted", text: "No generation recorded yet." }));

    if (e.running) {
      const r = e.running;
      sec.append(el("h3", { text: "Running" }));
      const box = el(
        "div",
        { className: "running", dataset: { job: r.id } },
        el("p", {}, el("code", { text: r.id }), " by " + r.requester + " — " + r.stage),
        el("div", { className: "bars" }, r.bars.map(renderBar)),
      );
      if (r.abort) box.append(panelButton(e, r.abort, "abort:" + r.id));
      sec.append(box);
    }

    sec.append(el("h3", { text: "Earlier generations" }));
    if (e.earlier.length) {
      sec.append(
        el(
          "ul",
          { className: "gens" },
          e.earlier.map((g) => el("li", { dataset: { gen: g.id } }, genLine(e, g, false))),
        ),
      );
    } else sec.append(el("p", { className: "muted", text: "None yet: Restore needs a second generation." }));

    sec.append(el("h3", { text: "Last jobs" }));
    if (e.jobs.length) {
      sec.append(
        el(
          "ul",
          { className: "jobs" },
          e.jobs.map((j) =>
            el(
              "li",
              { dataset: { job: j.id, state: j.state } },
              el("span", { className: "state " + j.state, text: j.state }),
              " ",
              el("code", { text: j.id }),
              " " + j.requester + (j.seconds > 0 ? ", " + duration(j.seconds) : "") + (j.written ? ", " + thousands(j.written) + " docs" : ""),
              j.reason ? el("span", { className: "reason", text: " — " + j.reason }) : null,
            ),
          ),
        ),
      );
    } else sec.append(el("p", { className: "muted", text: "No jobs yet." }));

    sec.append(el("h3", { text: "What users were told" }));
    if (e.notices.length) {
      sec.append(el("ol", { className: "notices" }, e.notices.map((n) => el("li", { className: "notice", colour: (n.style || {}).colour }, messageBody(n, "", "")))));
    } else sec.append(el("p", { className: "muted", text: "No notices yet." }));
    return sec;
  }

  function genLine(e, g, live) {
    const parts = [
      el("code", { className: "gen-id", text: g.id }),
      el("span", { className: "gen-meta", text: " " + g.action + (g.by ? " by " + g.by : "") + ", " + clock(g.time) + (g.docs ? ", " + thousands(g.docs) + " docs" : "") }),
    ];
    if (g.pruned) parts.push(el("span", { className: "muted", text: " (pruned)" }));
    if (!live && g.restore) parts.push(" ", panelButton(e, g.restore, "restore:" + g.id));
    return parts;
  }

  // panelButton acts in the env's ops channel and takes you there, so the
  // bot's answer is in front of you.
  function panelButton(e, b, key) {
    return el("button", {
      type: "button",
      className: b.style || "default",
      text: b.label,
      dataset: { key: "panel:" + e.name + ":" + key, action: b.action_id || "command" },
      onclick: (ev) => {
        const channel = e.channel || state.channel;
        click(channel, "", b, ev.currentTarget).then(() => switchChannel(channel));
      },
    });
  }

  // ---------------------------------------------------------------- composer

  // envsFromHelp finds the environments in the help's last line.
  function envsFromHelp(lines) {
    for (const l of lines) {
      const m = /^Environments: (.*)\.$/.exec(l);
      if (m) return m[1].split(/,\s*/);
    }
    return [];
  }

  // updateHint shows the usage of the command being typed, from the bot's
  // own help text, so the grammar is the bot's, not a copy of it.
  function updateHint() {
    const v = $("command").value.trimStart();
    const hint = $("hint");
    const ch = state.channels.find((c) => c.name === state.channel) || {};
    const envs = state.envs.length ? " Environments: " + state.envs.join(", ") + "." : "";
    if (!v) {
      hint.textContent =
        "Type a command and press Enter: /resync <env>, /abort, /restore <env>, /resync status, /resync help." +
        (ch.production ? ' Production needs reason="…" and an approver\'s Approve.' : "");
      return;
    }
    if (!v.startsWith("/")) {
      hint.textContent = "Commands start with a slash: /resync help lists them.";
      return;
    }
    const words = v.split(/\s+/);
    const cmd = words[0].toLowerCase();
    let lines = state.help.filter((l) => l.startsWith("/") && l.split(" ")[0].startsWith(cmd));
    if (cmd === "/resync" && words.length > 1 && words[1]) {
      const sub = lines.filter((l) => l.split(" ")[1] === words[1].toLowerCase());
      if (sub.length) lines = sub;
      else lines = lines.filter((l) => l.split(" ")[1].startsWith("<"));
    }
    if (!lines.length) {
      hint.textContent = "Unknown command. Commands: /resync, /abort, /restore, /notice." + envs;
      return;
    }
    hint.replaceChildren(...lines.slice(0, 3).map((l) => el("span", { className: "usage" }, inline(l.split(" Example:")[0]))), envs);
  }

  const input = $("command");
  input.addEventListener("input", updateHint);
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowUp" || ev.key === "ArrowDown") {
      if (!state.history.length) return;
      ev.preventDefault();
      if (ev.key === "ArrowUp") state.historyPos = Math.min(state.historyPos + 1, state.history.length - 1);
      else state.historyPos = Math.max(state.historyPos - 1, -1);
      input.value = state.historyPos < 0 ? "" : state.history[state.history.length - 1 - state.historyPos];
      updateHint();
    } else if (ev.key === "Escape") {
      input.value = "";
      updateHint();
    }
  });

  $("composer").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const line = input.value.trim();
    if (!line || !state.me) return;
    if (!line.startsWith("/")) {
      showError($("send-error"), new Error("Commands start with a slash, for example /resync help."));
      return;
    }
    if (state.history[state.history.length - 1] !== line) state.history.push(line);
    state.history = state.history.slice(-50);
    store.setItem("resyncbot.history", JSON.stringify(state.history));
    state.historyPos = -1;
    if (await sendCommand(state.channel, line)) {
      input.value = "";
      updateHint();
    }
  });

  document.addEventListener("keydown", (ev) => {
    if (ev.altKey && /^[1-9]$/.test(ev.key)) {
      const c = state.channels[Number(ev.key) - 1];
      if (c) {
        ev.preventDefault();
        switchChannel(c.name);
      }
      return;
    }
    const t = ev.target;
    const typing = t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement;
    if (ev.key === "/" && !typing && !ev.ctrlKey && !ev.metaKey && !$("confirm").open) {
      ev.preventDefault();
      input.focus();
      if (!input.value) input.value = "/";
      updateHint();
    }
  });

  const params = new URLSearchParams(location.search);
  connect(params.get("as") || store.getItem("resyncbot.persona") || "");
})();
