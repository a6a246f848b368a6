// The lab's page: lists the mysfits, filters them, shows a profile, likes and adopts,
// all through the lab's API (window.MYSFITS_CONFIG.apiUrl, from config.js, which
// `mysfits up` writes next to this file). No framework; nothing is fetched but this
// page's own files and the API.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const TITLES = { GoodEvil: "Good/Evil", LawChaos: "Lawful/Chaotic" };
  const state = { filter: null, profileId: null };

  function showError(message) {
    $("error").textContent = message;
    $("error").hidden = false;
  }

  function clearError() {
    $("error").hidden = true;
    $("error").textContent = "";
  }

  const config = window.MYSFITS_CONFIG;
  if (!config || typeof config.apiUrl !== "string" || !config.apiUrl) {
    showError("config.js is missing or names no apiUrl: `mysfits up` publishes this page with it.");
    $("count").textContent = "No API to ask.";
    return;
  }
  const api = config.apiUrl.replace(/\/+$/, "");

  // One API call; a failure becomes an Error whose message says what was asked and why.
  async function call(method, path) {
    let resp;
    try {
      resp = await fetch(api + path, { method });
    } catch (err) {
      throw new Error(`${method} ${api}${path}: no answer (${err.message})`);
    }
    let body = null;
    try {
      body = await resp.json();
    } catch (_) {
      body = null;
    }
    if (!resp.ok) {
      const why = body && body.error ? body.error : resp.statusText;
      throw new Error(`${method} ${api}${path}: ${resp.status} ${why}`);
    }
    return body;
  }

  // Only this site's own images: an absolute URI from old data is not fetched.
  function imageUrl(uri) {
    try {
      const url = new URL(uri, document.baseURI);
      return url.origin === window.location.origin ? url.href : "";
    } catch (_) {
      return "";
    }
  }

  function setImage(img, uri, alt) {
    const src = imageUrl(uri || "");
    img.alt = alt;
    if (src) {
      img.src = src;
    } else {
      img.removeAttribute("src");
    }
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // The API's likes is a string of digits (the workshop's type).
  function likesText(likes) {
    const n = Number(likes);
    return `${n} ${n === 1 ? "like" : "likes"}`;
  }

  function card(m) {
    const article = el("article", "mysfit");
    article.dataset.mysfitId = m.mysfitId;

    const open = el("button", "open");
    open.type = "button";
    const img = el("img");
    img.width = 160;
    img.height = 160;
    setImage(img, m.thumbImageUri, m.name);
    open.append(img, el("h3", "name", m.name));
    open.addEventListener("click", () => openProfile(m.mysfitId));

    const traits = el("p", "traits", `${m.species} · ${m.goodevil} · ${m.lawchaos}`);

    const actions = el("p", "card-actions");
    const heart = el("button", "heart", "♥");
    heart.type = "button";
    heart.setAttribute("aria-label", `Like ${m.name}`);
    heart.addEventListener("click", () => like(m.mysfitId, heart));
    const likes = el("span", "likes", likesText(m.likes));
    likes.dataset.likes = String(Number(m.likes));
    actions.append(heart, likes);
    if (m.adopted) actions.append(el("span", "badge", "Adopted"));

    article.append(open, traits, actions);
    return article;
  }

  async function load(filter) {
    clearError();
    const path = filter
      ? `/mysfits?filter=${encodeURIComponent(filter.filter)}&value=${encodeURIComponent(filter.value)}`
      : "/mysfits";
    let body;
    try {
      body = await call("GET", path);
    } catch (err) {
      showError(err.message);
      $("count").textContent = "Could not load the mysfits.";
      return;
    }
    state.filter = filter;
    const mysfits = body.mysfits || [];
    $("grid").replaceChildren(...mysfits.map(card));
    const count = $("count");
    count.dataset.count = String(mysfits.length);
    count.dataset.filter = filter ? `${filter.filter}=${filter.value}` : "";
    const noun = mysfits.length === 1 ? "mysfit" : "mysfits";
    count.textContent = filter
      ? `${mysfits.length} ${noun} with ${TITLES[filter.filter]}: ${filter.value}`
      : `${mysfits.length} ${noun}`;
    for (const button of document.querySelectorAll("#filters button[data-filter]")) {
      const on = !!filter && button.dataset.filter === filter.filter && button.dataset.value === filter.value;
      button.setAttribute("aria-pressed", String(on));
    }
  }

  function showLikes(m) {
    const n = String(Number(m.likes));
    const span = document.querySelector(`#grid .mysfit[data-mysfit-id="${CSS.escape(m.mysfitId)}"] .likes`);
    if (span) {
      span.textContent = likesText(n);
      span.dataset.likes = n;
    }
    if (state.profileId === m.mysfitId) {
      $("profile-likes").textContent = n;
      $("profile-likes").dataset.likes = n;
    }
  }

  function showAdopted(m) {
    const adopt = $("profile-adopt");
    adopt.disabled = !!m.adopted;
    adopt.textContent = m.adopted ? "Adopted!" : "Adopt me now!";
  }

  async function openProfile(id) {
    clearError();
    let m;
    try {
      m = await call("GET", `/mysfits/${encodeURIComponent(id)}`);
    } catch (err) {
      showError(err.message);
      return;
    }
    state.profileId = m.mysfitId;
    const dialog = $("profile");
    dialog.dataset.mysfitId = m.mysfitId;
    setImage($("profile-image"), m.profileImageUri, m.name);
    $("profile-name").textContent = m.name;
    $("profile-species").textContent = m.species;
    $("profile-goodevil").textContent = m.goodevil;
    $("profile-lawchaos").textContent = m.lawchaos;
    $("profile-age").textContent = String(m.age);
    $("profile-description").textContent = m.description;
    $("profile-like").classList.remove("liked");
    showLikes(m);
    showAdopted(m);
    if (!dialog.open) dialog.showModal();
  }

  // POST the like, then read the mysfit again: the count shown is the stored one.
  async function like(id, button) {
    clearError();
    button.disabled = true;
    try {
      await call("POST", `/mysfits/${encodeURIComponent(id)}/like`);
      showLikes(await call("GET", `/mysfits/${encodeURIComponent(id)}`));
      button.classList.add("liked");
    } catch (err) {
      showError(err.message);
    } finally {
      button.disabled = false;
    }
  }

  async function adopt(id) {
    clearError();
    try {
      await call("POST", `/mysfits/${encodeURIComponent(id)}/adopt`);
      showAdopted(await call("GET", `/mysfits/${encodeURIComponent(id)}`));
      await load(state.filter);
    } catch (err) {
      showError(err.message);
    }
  }

  for (const button of document.querySelectorAll("#filters button[data-filter]")) {
    button.addEventListener("click", () => load({ filter: button.dataset.filter, value: button.dataset.value }));
  }
  $("view-all").addEventListener("click", () => load(null));
  $("profile-like").addEventListener("click", (event) => like(state.profileId, event.currentTarget));
  $("profile-adopt").addEventListener("click", () => adopt(state.profileId));
  $("profile-close").addEventListener("click", () => $("profile").close());
  $("profile").addEventListener("close", () => {
    state.profileId = null;
  });

  load(null);
})();
