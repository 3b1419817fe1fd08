// DOM builders for one chat message: bubble, cards, inline keyboard, reply keyboard.
// Pure functions of the message data plus callbacks; no network and no app state.

import { renderTelegramHtml, safeLinkUrl } from "./telegram-html.js";

export const PLACES = [
  { name: "Gent", latitude: 51.0543, longitude: 3.7174 },
  { name: "Leuven", latitude: 50.8798, longitude: 4.7005 },
  { name: "Kortrijk", latitude: 50.8279, longitude: 3.2649 },
  { name: "Antwerpen", latitude: 51.2194, longitude: 4.4025 },
  { name: "Brussel", latitude: 50.8467, longitude: 4.3525 },
  { name: "Tongeren", latitude: 50.7806, longitude: 5.4647 },
  { name: "Lille (outside Belgium)", latitude: 50.6292, longitude: 3.0573 },
];

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function formatCoordinates({ latitude, longitude }) {
  return `${Number(latitude).toFixed(4)}, ${Number(longitude).toFixed(4)}`;
}

function placeName({ latitude, longitude }) {
  const near = (a, b) => Math.abs(Number(a) - b) < 0.0005;
  return PLACES.find((p) => near(latitude, p.latitude) && near(longitude, p.longitude))?.name;
}

/** Same-origin URL (emulator files), or null: the page never loads third-party content. */
function localUrl(value) {
  if (typeof value !== "string") return null;
  try {
    const url = new URL(value, window.location.href);
    return url.origin === window.location.origin ? url.href : null;
  } catch {
    return null;
  }
}

// Cards and reply previews get their own dir="auto": each reads in its own direction, and the
// bubble's dir="auto" then follows the message text (elements with a dir are skipped).
function card(kind, icon, title, lines) {
  const node = element("div", `card ${kind}`);
  node.dir = "auto";
  node.append(element("span", "card-icon", icon));
  node.firstChild.setAttribute("aria-hidden", "true");
  const body = element("div", "card-body");
  body.append(element("strong", "card-title", title));
  for (const line of lines) if (line) body.append(element("span", "card-line", line));
  node.append(body);
  return node;
}

function venueCard(venue) {
  return card("venue", "📍", venue.title || "Venue", [venue.address, formatCoordinates(venue)]);
}

function locationCard(location) {
  const title = placeName(location) ? `Location: ${placeName(location)}` : "Location";
  return card("location", "📌", title, [formatCoordinates(location)]);
}

function contactCard(contact) {
  const name = [contact.first_name, contact.last_name].filter(Boolean).join(" ") || "Contact";
  return card("contact", "👤", name, [contact.phone_number]);
}

function documentLink(doc) {
  const name = doc.file_name || "document";
  const url = localUrl(doc.url);
  if (url === null) return card("document", "📄", name, ["(file not available offline)"]);
  const link = element("a", "card document");
  link.dir = "auto";
  link.href = url;
  link.download = name;
  link.append(element("span", "card-icon", "📄"), element("span", "card-title", name));
  link.firstChild.setAttribute("aria-hidden", "true");
  return link;
}

function photo(photoData) {
  const url = localUrl(photoData.url);
  if (url === null) return card("photo", "🖼", "Photo", ["(external image not loaded)"]);
  const image = element("img", "photo");
  image.src = url;
  image.alt = "Photo";
  image.loading = "lazy";
  return image;
}

function stickerEmoji(sticker) {
  if (typeof sticker === "string") return sticker;
  return sticker?.emoji || "🖼";
}

function formatTime(unixSeconds) {
  const date = new Date(unixSeconds * 1000);
  const time = element("time", "time", date.toLocaleTimeString([], {
    hour: "2-digit", minute: "2-digit",
  }));
  time.dateTime = date.toISOString();
  return time;
}

// A link to a bot with a start payload: what Telegram opens as "/start <payload>".
const DEEP_LINK = /https?:\/\/t\.me\/([A-Za-z0-9_]{3,64})\?start=([A-Za-z0-9_-]{1,64})/g;

/** The start payload of a t.me deep link, or null. */
export function deepLinkPayload(href) {
  try {
    const url = new URL(href);
    if (url.hostname !== "t.me" || !/^\/[A-Za-z0-9_]+$/.test(url.pathname)) return null;
    const payload = url.searchParams.get("start");
    return payload && /^[A-Za-z0-9_-]{1,64}$/.test(payload) ? payload : null;
  } catch {
    return null;
  }
}

/** Telegram makes bare URLs tappable; t.me deep links open the chat with the bot here. */
function linkifyDeepLinks(text) {
  const nodes = [];
  let at = 0;
  for (const match of text.matchAll(DEEP_LINK)) {
    if (match.index > at) nodes.push(document.createTextNode(text.slice(at, match.index)));
    const link = element("a", "deep-link", match[0]);
    link.href = match[0];
    nodes.push(link);
    at = match.index + match[0].length;
  }
  if (at < text.length) nodes.push(document.createTextNode(text.slice(at)));
  return nodes;
}

/** Links that start the bot open here, as a simulated user (see chat.js `openDeepLink`). */
function wireDeepLinks(container, actions) {
  for (const link of container.querySelectorAll("a[href]")) {
    const payload = deepLinkPayload(link.href);
    if (payload === null || !actions?.openDeepLink) continue;
    link.classList.add("deep-link");
    link.removeAttribute("target");
    link.title = "Opens the chat with the bot in the playground";
    link.addEventListener("click", (event) => {
      event.preventDefault();
      actions.openDeepLink(payload);
    });
  }
}

function messageContent(message, actions) {
  const parts = [];
  if (message.replyPreview) {
    const preview = element("div", "reply-preview", message.replyPreview);
    preview.dir = "auto";
    parts.push(preview);
  }
  if (message.photo) parts.push(photo(message.photo));
  if (message.venue) parts.push(venueCard(message.venue));
  else if (message.location) parts.push(locationCard(message.location));
  if (message.contact) parts.push(contactCard(message.contact));
  if (message.document) parts.push(documentLink(message.document));
  const sticker = message.sticker ? stickerEmoji(message.sticker) : null;
  if (sticker) parts.push(element("span", "sticker", sticker));

  // Only the bot's HTML is parsed; what a citizen typed is always plain text.
  if (message.sender === "bot" && typeof message.html === "string" && message.html !== "") {
    const text = element("div", "text");
    text.append(...splitLines(renderTelegramHtml(message.html), actions));
    wireDeepLinks(text, actions);
    parts.push(text);
  } else if (typeof message.text === "string" && message.text !== "" && message.text !== sticker) {
    const text = element("div", "text");
    const links = message.sender === "bot" ? actions : null; // a citizen's words stay words
    text.append(...splitLines(document.createTextNode(message.text), links));
    if (links) wireDeepLinks(text, links);
    parts.push(text);
  }
  if (parts.length === 0) parts.push(element("div", "text unsupported", "(unsupported message)"));
  return parts;
}

// Letters of the right-to-left scripts (Hebrew, Arabic, Syriac, Thaana, N'Ko and their
// presentation forms); any other letter reads left to right.
const RTL_LETTER = /[\u0590-\u07FF\u0860-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]/u;

/** "rtl" or "ltr" from the first letter of `text` (Unicode's first strong character), or null. */
export function firstStrongDirection(text) {
  const letter = /\p{L}/u.exec(text);
  if (!letter) return null;
  return RTL_LETTER.test(letter[0]) ? "rtl" : "ltr";
}

function lineElement() {
  const line = element("div", "line");
  line.dir = "auto"; // like Telegram: each line takes its direction from its first letter
  return line;
}

/**
 * Split rendered text (a node or fragment) into one `.line` element per line, at the
 * newlines outside other elements (a newline inside <pre> or <b> stays in its element,
 * where `unicode-bidi: plaintext` still gives each paragraph its own direction).
 */
function splitLines(content, actions = null) {
  const lines = [lineElement()];
  const nodes = content.nodeType === Node.DOCUMENT_FRAGMENT_NODE ? [...content.childNodes] : [content];
  for (const node of nodes) {
    if (node.nodeType !== Node.TEXT_NODE) {
      lines.at(-1).append(node);
      continue;
    }
    node.data.split("\n").forEach((piece, index) => {
      if (index > 0) lines.push(lineElement());
      if (piece) lines.at(-1).append(...(actions ? linkifyDeepLinks(piece) : [piece]));
    });
  }
  // An empty line keeps its height, as a blank line does in Telegram.
  for (const line of lines) if (!line.hasChildNodes()) line.append(document.createElement("br"));
  return lines;
}

function inlineKeyboard(markup, messageId, actions) {
  const keyboard = element("div", "inline-keyboard");
  keyboard.setAttribute("role", "group");
  keyboard.setAttribute("aria-label", "Buttons for this message");
  for (const row of markup.inline_keyboard) {
    const rowNode = element("div", "keyboard-row");
    for (const spec of row) {
      const button = element("button", "inline-button", spec.text);
      button.type = "button";
      button.dir = "auto";
      const url = safeLinkUrl(spec.url ?? spec.web_app?.url ?? spec.login_url?.url);
      if (typeof spec.callback_data === "string") {
        button.addEventListener("click", () => actions.pressCallback(messageId, spec, button));
      } else if (url !== null) {
        button.classList.add("url");
        button.title = `Opens ${url}`;
        button.addEventListener("click", () => window.open(url, "_blank", "noopener,noreferrer"));
      } else {
        button.disabled = true;
        button.title = "This button type is not supported in the playground";
      }
      rowNode.append(button);
    }
    keyboard.append(rowNode);
  }
  return keyboard;
}

/**
 * Build the list item for one message. `message` has the event fields
 * (message_id, sender, text, html, reply_markup, location, venue, document, photo, contact,
 * sticker, date) plus `edited` and `replyPreview` (text of the message it answers).
 */
export function renderMessage(message, actions) {
  const sender = message.sender === "user" ? "user" : "bot";
  const item = element("div", `message from-${sender}`);
  item.dataset.messageId = String(message.message_id);
  item.dataset.sender = sender;

  const bubble = element("div", "bubble");
  bubble.dir = "auto"; // Arabic reads right to left, Dutch left to right.
  const sticker = message.sticker ? stickerEmoji(message.sticker) : null;
  if (sticker && !message.html && (!message.text || message.text === sticker)) {
    bubble.classList.add("sticker-only");
  }
  const speaker = element("span", "visually-hidden", sender === "bot" ? "Bot: " : "You: ");
  speaker.dir = "ltr"; // an element with its own dir is ignored by the bubble's dir="auto"
  bubble.append(speaker);
  bubble.append(...messageContent(message, actions));
  // Lines carry their own dir="auto", which the bubble's dir="auto" skips: the bubble (its
  // corner, time, cards) follows the message's first line that has a letter.
  const firstLine = bubble.querySelector(".text")?.textContent ?? "";
  const direction = firstStrongDirection(firstLine);
  if (direction) bubble.dir = direction;

  const meta = element("span", "meta");
  if (message.edited) meta.append(element("span", "edited", "edited "));
  meta.append(formatTime(message.date ?? Date.now() / 1000));
  bubble.append(meta);
  item.append(bubble);

  const markup = message.reply_markup;
  if (sender === "bot" && Array.isArray(markup?.inline_keyboard) && markup.inline_keyboard.length) {
    item.append(inlineKeyboard(markup, message.message_id, actions));
  }
  return item;
}

/** Rows of buttons shown above the input, like Telegram's custom keyboard. */
export function renderReplyKeyboard(container, markup, onPress) {
  container.replaceChildren();
  for (const row of markup.keyboard) {
    const rowNode = element("div", "keyboard-row");
    for (const rawSpec of row) {
      const spec = typeof rawSpec === "string" ? { text: rawSpec } : rawSpec;
      const button = element("button", "reply-button", spec.text);
      button.type = "button";
      button.dir = "auto";
      button.addEventListener("click", () => onPress(spec));
      rowNode.append(button);
    }
    container.append(rowNode);
  }
}
