// Safe renderer for Telegram's HTML subset.
//
// The bot's HTML is never handed to innerHTML: a tiny tokenizer rebuilds only the
// tags Telegram allows, with fresh elements and no attributes except a checked
// link href. Every other tag is shown literally as text (like a developer would
// want to see it), so <script> or <img onerror> can never run.

const TAG_PATTERN =
  /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*\/?>/g;
const ATTRIBUTE_PATTERN = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;

// Telegram tag -> element we create for it.
const FORMATTING_TAGS = new Map([
  ["b", "b"], ["strong", "strong"], ["i", "i"], ["em", "em"], ["u", "u"], ["ins", "ins"],
  ["s", "s"], ["strike", "s"], ["del", "del"], ["code", "code"], ["pre", "pre"],
  ["blockquote", "blockquote"],
]);
const NAMED_ENTITIES = new Map([
  ["lt", "<"], ["gt", ">"], ["amp", "&"], ["quot", '"'], ["apos", "'"], ["nbsp", "\u00a0"],
]);
const LINK_PROTOCOLS = new Set(["http:", "https:", "tg:"]);

export function decodeEntities(text) {
  return text.replace(/&(#[xX][0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, entity) => {
    if (entity[0] !== "#") return NAMED_ENTITIES.get(entity.toLowerCase()) ?? whole;
    const hex = entity[1] === "x" || entity[1] === "X";
    const code = Number.parseInt(entity.slice(hex ? 2 : 1), hex ? 16 : 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

/** Absolute http(s)/tg URL, or null for anything else (javascript:, relative, ...). */
export function safeLinkUrl(href) {
  if (typeof href !== "string") return null;
  try {
    const url = new URL(href.trim());
    return LINK_PROTOCOLS.has(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

function parseAttributes(source) {
  const attributes = new Map();
  for (const match of source.matchAll(ATTRIBUTE_PATTERN)) {
    const value = match[2] ?? match[3] ?? match[4] ?? "";
    attributes.set(match[1].toLowerCase(), decodeEntities(value));
  }
  return attributes;
}

function createSpoiler() {
  const spoiler = document.createElement("span");
  spoiler.className = "spoiler";
  spoiler.tabIndex = 0;
  spoiler.setAttribute("role", "button");
  spoiler.title = "Spoiler: click to reveal";
  const reveal = () => spoiler.classList.add("revealed");
  spoiler.addEventListener("click", reveal);
  spoiler.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      reveal();
    }
  });
  return spoiler;
}

function createLink(attributes) {
  const url = safeLinkUrl(attributes.get("href"));
  if (url === null) {
    // Keep the link text, drop the unsafe target.
    const span = document.createElement("span");
    span.className = "rejected-link";
    span.title = "Link removed: only http, https and tg links are allowed";
    return span;
  }
  const link = document.createElement("a");
  link.href = url;
  link.target = "_blank";
  link.rel = "noopener noreferrer";
  return link;
}

/** An element for an allowed tag, or null when the tag must be shown as text. */
function createAllowedElement(name, attributes) {
  if (FORMATTING_TAGS.has(name)) return document.createElement(FORMATTING_TAGS.get(name));
  if (name === "a") return createLink(attributes);
  if (name === "tg-spoiler") return createSpoiler();
  if (name === "span") {
    const classes = (attributes.get("class") ?? "").split(/\s+/);
    return classes.includes("tg-spoiler") ? createSpoiler() : null;
  }
  if (name === "tg-emoji") return document.createElement("span");
  return null;
}

function appendText(parent, text) {
  if (text) parent.append(document.createTextNode(text));
}

/**
 * Render Telegram HTML into a DocumentFragment built only from safe nodes.
 * Newlines stay in text nodes; the bubble's CSS (white-space: pre-wrap) breaks lines.
 */
export function renderTelegramHtml(html) {
  const root = document.createDocumentFragment();
  const open = [{ name: null, node: root }];
  const current = () => open[open.length - 1].node;
  let position = 0;

  for (const match of html.matchAll(TAG_PATTERN)) {
    appendText(current(), decodeEntities(html.slice(position, match.index)));
    position = match.index + match[0].length;
    const [raw, closing, rawName, rawAttributes] = match;
    const name = rawName.toLowerCase();

    if (closing) {
      const index = open.findLastIndex((entry) => entry.name === name);
      if (index > 0) open.length = index;
      else appendText(current(), raw);
      continue;
    }
    const element = createAllowedElement(name, parseAttributes(rawAttributes));
    if (element === null) {
      appendText(current(), raw);
      continue;
    }
    current().append(element);
    open.push({ name, node: element });
  }
  appendText(current(), decodeEntities(html.slice(position)));
  return root;
}
