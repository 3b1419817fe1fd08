// Offline playground: talk to the bot as one or more citizens through the emulator's
// /_emulator JSON API (same origin, relative URLs so the page can live beside other routes).

import { PLACES, renderMessage, renderReplyKeyboard } from "./message-view.js";

const API = "_emulator";
const POLL_WAIT_SECONDS = 25;
const MAX_BACKOFF_MS = 15000;
const STORAGE_KEY = "digibank-playground.citizen-id";
const LANGUAGES = ["nl", "fr", "en", "ar", "tr", "uk"];

const ui = {
  citizenSelect: document.getElementById("citizen-select"),
  newCitizenToggle: document.getElementById("new-citizen-toggle"),
  newCitizenForm: document.getElementById("new-citizen-form"),
  newCitizenName: document.getElementById("new-citizen-name"),
  newCitizenLanguage: document.getElementById("new-citizen-language"),
  messages: document.getElementById("messages"),
  emptyChat: document.getElementById("empty-chat"),
  startButton: document.getElementById("start-button"),
  connectionStatus: document.getElementById("connection-status"),
  replyKeyboard: document.getElementById("reply-keyboard"),
  keyboardToggle: document.getElementById("keyboard-toggle"),
  composer: document.getElementById("composer"),
  input: document.getElementById("message-input"),
  sendLocation: document.getElementById("send-location"),
  sendSticker: document.getElementById("send-sticker"),
  toast: document.getElementById("toast"),
  locationDialog: document.getElementById("location-dialog"),
  coordinatesForm: document.getElementById("coordinates-form"),
  latitudeInput: document.getElementById("latitude-input"),
  longitudeInput: document.getElementById("longitude-input"),
  locationCancel: document.getElementById("location-cancel"),
  placeList: document.getElementById("place-list"),
  roleToggle: document.getElementById("role-toggle"),
  roleForm: document.getElementById("role-form"),
  roleSelect: document.getElementById("role-select"),
  digibankSelect: document.getElementById("digibank-select"),
  commandsButton: document.getElementById("commands-button"),
  commandMenu: document.getElementById("command-menu"),
  sendFile: document.getElementById("send-file"),
  fileInput: document.getElementById("file-input"),
};
const PLAYGROUND = "_playground";
const PHOTO_TYPES = ["image/jpeg", "image/png", "image/webp", "image/gif"];

let citizens = [];
/** What this page sent, by "userId:messageId": fills gaps when the echoed event is sparse. */
const sentBodies = new Map();
/** The chat on screen. Replaced (never reused) on every switch, so stale polls can tell. */
let chat = null;
/** Consecutive failed polls, kept across resyncs: sets the retry backoff. */
let pollFailures = 0;
/**
 * Poll loops at work (showing an answer, waiting to retry) and polls waiting for the
 * emulator's answer, shown on <body data-polls-busy data-polls-waiting>. Tests compare
 * them with the polls the emulator holds to know that nothing more is on its way to the
 * screen before they check that something did not appear.
 */
const polls = { busy: 0, waiting: 0 };

function countPolls(busy, waiting) {
  polls.busy += busy;
  polls.waiting += waiting;
  document.body.dataset.pollsBusy = String(polls.busy);
  document.body.dataset.pollsWaiting = String(polls.waiting);
}

// ---------------------------------------------------------------- API

async function api(method, path, body, signal, base = API) {
  const raw = body instanceof Blob;
  const response = await fetch(`${base}/${path}`, {
    method,
    headers: body === undefined ? {} : {
      "Content-Type": raw ? body.type || "application/octet-stream" : "application/json",
    },
    body: body === undefined || raw ? body : JSON.stringify(body),
    signal,
    cache: "no-store",
  });
  if (!response.ok) {
    const error = new Error(`${method} ${path} failed: HTTP ${response.status}`);
    error.status = response.status;
    throw error;
  }
  return response.json();
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------- small UI helpers

let toastTimer = null;
/** A short notice over the chat; `alert` (the bot's show_alert) stays longer, until tapped. */
function showToast(text, { alert = false } = {}) {
  ui.toast.textContent = text;
  ui.toast.classList.toggle("alert", alert);
  ui.toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { ui.toast.hidden = true; }, alert ? 10000 : 3500);
}

function setConnectionStatus(text) {
  ui.connectionStatus.hidden = !text;
  ui.connectionStatus.textContent = text ?? "";
}

function isNearBottom() {
  const list = ui.messages;
  return list.scrollHeight - list.scrollTop - list.clientHeight < 120;
}

function scrollToNewest() {
  ui.messages.scrollTop = ui.messages.scrollHeight;
}

function preferredLanguage() {
  const code = (navigator.language || "").slice(0, 2).toLowerCase();
  return LANGUAGES.includes(code) ? code : "nl";
}

function rememberCitizen(id) {
  try { localStorage.setItem(STORAGE_KEY, String(id)); } catch { /* private mode: fine */ }
}

function rememberedCitizen() {
  try { return Number(localStorage.getItem(STORAGE_KEY)); } catch { return NaN; }
}

// ---------------------------------------------------------------- chat state

function newChat(userId) {
  return {
    userId,
    last: 0, // highest event seq applied: the dedupe key and the next `after`
    bubbles: new Map(), // message_id -> DOM element
    replyKeyboard: null, // the bot's current reply keyboard markup, if any
    keyboardCollapsed: false,
    replaying: true, // first batch after a (re)load: history, so no toasts
    abort: new AbortController(),
  };
}

function updateEmptyState() {
  ui.emptyChat.hidden = chat.bubbles.size > 0;
}

/** First words of an earlier message, for the "reply to" line of a bubble. */
function replyPreview(messageId) {
  const earlier = chat.bubbles.get(messageId)?.querySelector(".text, .card-title, .sticker");
  const text = earlier?.textContent.trim() ?? "";
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

/** Insert or replace a bubble, keeping the list ordered by message_id (chronological). */
function upsertBubble(message) {
  const stick = message.sender === "user" || isNearBottom();
  const replyTo = message.reply_to_message_id;
  const preview = replyTo == null ? null : replyPreview(replyTo);
  const node = renderMessage({ ...message, replyPreview: preview }, { pressCallback, openDeepLink });
  const existing = chat.bubbles.get(message.message_id);
  if (existing) {
    existing.replaceWith(node);
  } else {
    const later = [...ui.messages.children].find(
      (other) => Number(other.dataset.messageId) > message.message_id,
    );
    ui.messages.insertBefore(node, later ?? null);
  }
  chat.bubbles.set(message.message_id, node);
  updateEmptyState();
  if (stick) scrollToNewest();
}

function withSentContent(event) {
  const sent = sentBodies.get(`${chat.userId}:${event.message_id}`);
  if (!sent) return event;
  const merged = { ...event };
  for (const [key, value] of Object.entries(sent)) merged[key] ??= value;
  return merged;
}

function removeBubble(messageId) {
  chat.bubbles.get(messageId)?.remove();
  chat.bubbles.delete(messageId);
  updateEmptyState();
}

function applyEvent(event) {
  if (typeof event.seq === "number") {
    if (event.seq <= chat.last) return; // already shown: a retried poll may repeat events
    chat.last = event.seq;
  }
  switch (event.kind) {
    case "message":
      upsertBubble(event.sender === "user" ? withSentContent(event) : event);
      if (event.sender === "user") collapseOneTimeKeyboard();
      else {
        applyReplyMarkup(event.reply_markup);
        refreshCommandsSoon(); // the bot sets a chat's "/" list as it answers (a new role)
      }
      break;
    case "edit":
      upsertBubble({ ...event, edited: true });
      break;
    case "delete":
      removeBubble(event.message_id);
      break;
    case "callback_answer":
      if (event.text && !chat.replaying) showToast(event.text, { alert: event.show_alert });
      break;
    default:
      break; // unknown kinds from a newer emulator are ignored
  }
}

// ---------------------------------------------------------------- reply keyboard

function applyReplyMarkup(markup) {
  if (!markup) return;
  if (Array.isArray(markup.keyboard)) {
    chat.replyKeyboard = markup;
    chat.keyboardCollapsed = false;
  } else if (markup.remove_keyboard) {
    chat.replyKeyboard = null;
  } else {
    return; // inline keyboards live on their bubble
  }
  showReplyKeyboard();
}

function collapseOneTimeKeyboard() {
  if (chat.replyKeyboard?.one_time_keyboard && !chat.keyboardCollapsed) {
    chat.keyboardCollapsed = true;
    showReplyKeyboard();
  }
}

function showReplyKeyboard() {
  const stick = isNearBottom(); // the list is about to shrink or grow: keep the newest in view
  const markup = chat?.replyKeyboard;
  const visible = Boolean(markup) && !chat.keyboardCollapsed;
  if (markup) renderReplyKeyboard(ui.replyKeyboard, markup, pressReplyButton);
  else ui.replyKeyboard.replaceChildren();
  ui.replyKeyboard.hidden = !visible;
  ui.keyboardToggle.hidden = !markup;
  ui.keyboardToggle.setAttribute("aria-expanded", String(visible));
  ui.input.placeholder = markup?.input_field_placeholder || "Message";
  if (stick) scrollToNewest();
}

/** Whoever reads the newest message keeps it in view when the list changes size (a reply
 * keyboard, a banner, a turned phone): it never hides behind the keyboard. */
function keepNewestInView() {
  let pinned = true;
  ui.messages.addEventListener("scroll", () => { pinned = isNearBottom(); }, { passive: true });
  new ResizeObserver(() => { if (pinned) scrollToNewest(); }).observe(ui.messages);
}

function pressReplyButton(spec) {
  if (spec.request_location) openLocationChooser();
  else if (spec.request_contact) sendContact();
  else if (spec.request_poll || spec.request_users || spec.request_chat || spec.web_app) {
    showToast("This button type is not supported in the playground");
  } else sendMessage({ text: spec.text });
}

// ---------------------------------------------------------------- sending

async function sendMessage(body) {
  const target = chat;
  try {
    const sent = await api("POST", `users/${target.userId}/messages`, body);
    sentBodies.set(`${target.userId}:${sent.message_id}`, body);
    // Show our own message at once; the event for it (if any) replaces it in place.
    if (target === chat && !chat.bubbles.has(sent.message_id)) {
      upsertBubble({
        ...body, kind: "message", sender: "user", message_id: sent.message_id,
        date: Date.now() / 1000,
      });
    }
    if (target === chat) collapseOneTimeKeyboard();
    return true;
  } catch (error) {
    showToast(`Could not send: ${error.message}`);
    if (error.status === 404 && target === chat) resync(); // unknown citizen: emulator restarted
    return false;
  }
}

function currentCitizen() {
  return citizens.find((citizen) => citizen.id === chat?.userId);
}

function sendContact() {
  // A recognisably fake Belgian mobile number, stable per citizen.
  const suffix = String((chat.userId ?? 0) % 1000000).padStart(6, "0");
  sendMessage({
    contact: { phone_number: `+32470${suffix}`, first_name: currentCitizen()?.first_name ?? "" },
  });
}

function sendLocation(latitude, longitude) {
  sendMessage({ location: { latitude, longitude } });
}

async function pressCallback(messageId, spec, button) {
  button.setAttribute("aria-busy", "true");
  button.classList.add("pressed");
  try {
    await api("POST", `users/${chat.userId}/callback`, {
      message_id: messageId, data: spec.callback_data,
    });
  } catch (error) {
    showToast(`Button failed: ${error.message}`);
  } finally {
    button.removeAttribute("aria-busy");
    button.classList.remove("pressed");
  }
}

// ---------------------------------------------------------------- files

async function sendFile(file) {
  const target = chat;
  const kind = PHOTO_TYPES.includes(file.type) ? "photo" : "document";
  const query = new URLSearchParams({ kind, name: file.name || "file" });
  try {
    await api("POST", `users/${target.userId}/files?${query}`, file);
    if (target === chat) collapseOneTimeKeyboard(); // the bubble comes with the event
  } catch (error) {
    showToast(`Could not send the file: ${error.message}`);
  }
}

// ---------------------------------------------------------------- deep links

/** A tapped t.me link to the bot: an invite opens as a new simulated user (the person the
 * link was for); any other link sends "/start <payload>" as the current user, as Telegram. */
async function openDeepLink(payload) {
  let userId = chat.userId;
  if (payload.startsWith("inv_")) {
    try {
      const language = currentCitizen()?.language_code || preferredLanguage();
      const citizen = await createCitizen(`Invited ${citizens.length + 1}`, language);
      switchToCitizen(citizen.id);
      userId = citizen.id;
    } catch (error) {
      showToast(`Could not open the link: ${error.message}`);
      return;
    }
  }
  if (userId === chat.userId) await sendMessage({ text: `/start ${payload}` });
}

// ---------------------------------------------------------------- roles and the "/" menu

async function loadDigibanks() {
  try {
    const { digibanks = [] } = await api("GET", "digibanks", undefined, undefined, PLAYGROUND);
    ui.digibankSelect.replaceChildren(
      ...digibanks.map((bank) => new Option(bank.name, bank.id)),
    );
  } catch {
    ui.roleToggle.hidden = true; // not a playground bot (the page on its own)
  }
}

async function showRole() {
  const target = chat;
  try {
    const { role, digibanks = [] } = await api(
      "GET", `users/${target.userId}/role`, undefined, undefined, PLAYGROUND,
    );
    if (target !== chat) return;
    ui.roleSelect.value = role;
    if (digibanks.length) ui.digibankSelect.value = digibanks[0];
    const name = ui.roleSelect.selectedOptions[0]?.text.split(" ")[0] ?? role;
    ui.roleToggle.textContent = `🪪 ${name}`;
    ui.roleToggle.setAttribute("aria-label", `Role: ${name}`);
  } catch { /* unknown to the database yet: a citizen */ }
}

function updateDigibankChoice() {
  ui.digibankSelect.disabled = !["digibuddy", "organiser"].includes(ui.roleSelect.value);
}

function wireRoles() {
  ui.roleToggle.addEventListener("click", () => {
    const opening = ui.roleForm.hidden;
    ui.roleForm.hidden = !opening;
    ui.roleToggle.setAttribute("aria-expanded", String(opening));
  });
  ui.roleSelect.addEventListener("change", updateDigibankChoice);
  ui.roleForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { role: ui.roleSelect.value };
    if (!ui.digibankSelect.disabled) body.digibank = ui.digibankSelect.value;
    try {
      await api("POST", `users/${chat.userId}/role`, body, undefined, PLAYGROUND);
      ui.roleForm.hidden = true;
      ui.roleToggle.setAttribute("aria-expanded", "false");
      const bank = body.digibank ? ` of ${ui.digibankSelect.selectedOptions[0].text}` : "";
      showToast(`You are now ${body.role}${bank}. Tap / for your commands.`);
      await showRole();
      await loadCommands();
    } catch (error) {
      showToast(`Could not set the role: ${error.message}`);
    }
  });
  updateDigibankChoice();
}

/** The bot's "/" list for this user, as their Telegram app shows it. */
async function loadCommands() {
  const target = chat;
  let commands = [];
  try {
    commands = (await api("GET", `users/${target.userId}/commands`)).commands ?? [];
  } catch { /* an older emulator: no menu */ }
  if (target !== chat) return;
  ui.commandMenu.replaceChildren(...commands.map(({ command, description }) => {
    const item = element("button", "command");
    item.type = "button";
    item.setAttribute("role", "menuitem");
    item.dir = "auto";
    item.append(element("span", "command-name", `/${command}`),
      element("span", "command-description", description));
    item.addEventListener("click", () => {
      toggleCommandMenu(false);
      sendMessage({ text: `/${command}` });
    });
    return item;
  }));
  ui.commandsButton.hidden = commands.length === 0;
  if (commands.length === 0) toggleCommandMenu(false);
}

let commandsTimer = null;
function refreshCommandsSoon() {
  if (chat.replaying) return; // switchToCitizen loads them once
  clearTimeout(commandsTimer);
  commandsTimer = setTimeout(() => { loadCommands(); showRole(); }, 300);
}

function toggleCommandMenu(open = ui.commandMenu.hidden) {
  const stick = isNearBottom();
  ui.commandMenu.hidden = !open;
  ui.commandsButton.setAttribute("aria-expanded", String(open));
  if (stick) scrollToNewest();
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// ---------------------------------------------------------------- location chooser

function openLocationChooser() {
  if (typeof ui.locationDialog.showModal === "function") ui.locationDialog.showModal();
  else ui.locationDialog.setAttribute("open", "");
}

function closeLocationChooser() {
  if (typeof ui.locationDialog.close === "function") ui.locationDialog.close();
  else ui.locationDialog.removeAttribute("open");
}

function wireLocationChooser() {
  for (const place of PLACES) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = place.name;
    button.addEventListener("click", () => {
      closeLocationChooser();
      sendLocation(place.latitude, place.longitude);
    });
    ui.placeList.append(button);
  }
  ui.coordinatesForm.addEventListener("submit", (event) => {
    event.preventDefault();
    closeLocationChooser();
    sendLocation(Number(ui.latitudeInput.value), Number(ui.longitudeInput.value));
  });
  ui.locationCancel.addEventListener("click", closeLocationChooser);
}

// ---------------------------------------------------------------- polling

async function pollEvents(target) {
  countPolls(1, 0);
  try {
    await pollUntilSwitched(target);
  } finally {
    countPolls(-1, 0);
  }
}

async function waitForEvents(target, path) {
  countPolls(-1, 1);
  try {
    const { events = [] } = await api("GET", path, undefined, target.abort.signal);
    return events;
  } finally {
    countPolls(1, -1);
  }
}

async function pollUntilSwitched(target) {
  while (target === chat) {
    const path = `chats/${target.userId}/events?after=${target.last}&wait=${POLL_WAIT_SECONDS}`;
    try {
      const events = await waitForEvents(target, path);
      if (target !== chat) return;
      pollFailures = 0;
      setConnectionStatus(null);
      const firstBatch = target.replaying;
      for (const event of events) applyEvent(event);
      if (firstBatch && events.length) scrollToNewest();
      target.replaying = false;
    } catch (error) {
      if (target !== chat || error.name === "AbortError") return;
      pollFailures += 1;
      const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** (pollFailures - 1));
      setConnectionStatus(`Cannot reach the bot emulator. Retrying in ${Math.ceil(delay / 1000)} s…`);
      await sleep(delay);
      // The bot (and its emulator) may have restarted with a fresh state meanwhile: re-read
      // the citizens and the whole history rather than trusting `last`.
      if (target === chat) resync();
      return;
    }
  }
}

// ---------------------------------------------------------------- citizens

function citizenLabel(citizen) {
  return `${citizen.first_name || "Citizen"} (${citizen.language_code || "?"})`;
}

function renderCitizenSelect() {
  ui.citizenSelect.replaceChildren(...citizens.map((citizen) => {
    const option = new Option(citizenLabel(citizen), String(citizen.id));
    option.dir = "auto";
    return option;
  }));
  ui.citizenSelect.disabled = citizens.length === 0;
  if (chat) ui.citizenSelect.value = String(chat.userId);
}

/** Show `userId`'s chat: stop the old poll and re-fetch the whole history from after=0. */
function switchToCitizen(userId) {
  chat?.abort.abort();
  chat = newChat(userId);
  rememberCitizen(userId);
  ui.messages.replaceChildren();
  updateEmptyState();
  showReplyKeyboard();
  setConnectionStatus(null);
  renderCitizenSelect();
  document.documentElement.lang = currentCitizen()?.language_code || "en";
  pollEvents(chat);
  toggleCommandMenu(false);
  loadCommands();
  showRole();
}

async function createCitizen(firstName, languageCode) {
  const citizen = await api("POST", "users", { first_name: firstName, language_code: languageCode });
  citizens.push(citizen);
  return citizen;
}

function wireCitizenBar() {
  ui.citizenSelect.addEventListener("change", () => {
    switchToCitizen(Number(ui.citizenSelect.value));
  });
  ui.newCitizenToggle.addEventListener("click", () => {
    const opening = ui.newCitizenForm.hidden;
    ui.newCitizenForm.hidden = !opening;
    ui.newCitizenToggle.setAttribute("aria-expanded", String(opening));
    if (opening) {
      ui.newCitizenName.placeholder = `Citizen ${citizens.length + 1}`;
      ui.newCitizenLanguage.value = preferredLanguage();
      ui.newCitizenName.focus();
    }
  });
  ui.newCitizenForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = ui.newCitizenName.value.trim() || ui.newCitizenName.placeholder;
    try {
      const citizen = await createCitizen(name, ui.newCitizenLanguage.value);
      ui.newCitizenForm.hidden = true;
      ui.newCitizenToggle.setAttribute("aria-expanded", "false");
      ui.newCitizenName.value = "";
      switchToCitizen(citizen.id);
      ui.input.focus();
    } catch (error) {
      showToast(`Could not create the citizen: ${error.message}`);
    }
  });
}

// ---------------------------------------------------------------- composer

function wireComposer() {
  ui.composer.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = ui.input.value;
    if (!text.trim() || !chat) return;
    ui.input.value = "";
    if (!(await sendMessage({ text }))) ui.input.value = text; // keep it to retry
  });
  ui.sendSticker.addEventListener("click", () => sendMessage({ sticker: "👍" }));
  ui.sendFile.addEventListener("click", () => ui.fileInput.click());
  ui.fileInput.addEventListener("change", () => {
    const [file] = ui.fileInput.files;
    ui.fileInput.value = "";
    if (file && chat) sendFile(file);
  });
  ui.commandsButton.addEventListener("click", () => toggleCommandMenu());
  ui.sendLocation.addEventListener("click", openLocationChooser);
  ui.startButton.addEventListener("click", () => sendMessage({ text: "/start" }));
  ui.keyboardToggle.addEventListener("click", () => {
    chat.keyboardCollapsed = !chat.keyboardCollapsed;
    showReplyKeyboard();
  });
}

// ---------------------------------------------------------------- start-up

async function loadCitizens() {
  for (let failures = 0; ; failures += 1) {
    try {
      citizens = (await api("GET", "users")).users ?? [];
      if (citizens.length === 0) await createCitizen("Citizen 1", preferredLanguage());
      setConnectionStatus(null);
      return;
    } catch (error) {
      const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** failures);
      setConnectionStatus(`Cannot reach the bot emulator. Retrying in ${Math.ceil(delay / 1000)} s…`);
      await sleep(delay);
    }
  }
}

/** Load the citizens and show the wanted one (else the remembered one, else the first). */
async function resync(wantedId = chat?.userId) {
  await loadCitizens();
  const byId = (id) => citizens.find((citizen) => citizen.id === id);
  const shown = byId(wantedId) ?? byId(rememberedCitizen()) ?? citizens[0];
  switchToCitizen(shown.id);
}

async function start() {
  ui.toast.addEventListener("click", () => { ui.toast.hidden = true; });
  wireCitizenBar();
  wireComposer();
  wireLocationChooser();
  keepNewestInView();
  wireRoles();
  await loadDigibanks();
  await resync(rememberedCitizen());
  document.body.dataset.ready = "true"; // lets tests and tools know the page is live
}

start();
