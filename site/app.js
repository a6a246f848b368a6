// The lab's page: lists the mysfits, filters them, shows a profile, likes and adopts,
// all through the lab's API (window.MYSFITS_CONFIG.apiUrl, from config.js, which
// `mysfits up` writes next to this file). When config.js also names a Cognito user pool
// (MYSFITS_CONFIG.cognito: the lab's HTTP API with its JWT authorizer), visitors
// register, confirm and sign in here, likes and adopts carry the ID token, and opening a
// profile sends a click (POST /clicks). No framework, no SDK: nothing is fetched but this
// page's own files, the API and Cognito's own API.
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
  // Only the lab's HTTP API has sign-in and POST /clicks; a load balancer as the API
  // (config.js without cognito) has neither, and the page works as it always did.
  const named = config.cognito || null;
  const pool = named && named.clientId && (named.endpoint || named.region) ? named : null;

  class ApiError extends Error {
    constructor(message, status) {
      super(message);
      this.status = status;
    }
  }

  // One API call; a failure becomes an ApiError whose message says what was asked and
  // why, and whose status is the HTTP status (0: no answer).
  async function call(method, path, { token = null, json = undefined } = {}) {
    const headers = {};
    if (token) headers.Authorization = `Bearer ${token}`;
    if (json !== undefined) headers["Content-Type"] = "application/json";
    let resp;
    try {
      resp = await fetch(api + path, {
        method, headers, body: json === undefined ? undefined : JSON.stringify(json),
      });
    } catch (err) {
      throw new ApiError(`${method} ${api}${path}: no answer (${err.message})`, 0);
    }
    let body = null;
    try {
      body = await resp.json();
    } catch (_) {
      body = null;
    }
    if (!resp.ok) {
      // The monolith says {"error": …}; API Gateway itself {"message": "Unauthorized"}.
      const why = (body && (body.error || body.message)) || resp.statusText;
      throw new ApiError(`${method} ${api}${path}: ${resp.status} ${why}`, resp.status);
    }
    return body;
  }

  // ---- Cognito: its own JSON API, called with fetch (SignUp, ConfirmSignUp, InitiateAuth).

  class CognitoError extends Error {
    constructor(type, message) {
      super(message);
      this.type = type;
    }
  }

  async function cognito(action, params) {
    const endpoint = (pool.endpoint || `https://cognito-idp.${pool.region}.amazonaws.com`).replace(/\/+$/, "");
    let resp;
    try {
      resp = await fetch(endpoint + "/", {
        method: "POST",
        headers: {
          "Content-Type": "application/x-amz-json-1.1",
          "X-Amz-Target": `AWSCognitoIdentityProviderService.${action}`,
        },
        body: JSON.stringify(params),
      });
    } catch (err) {
      throw new CognitoError("NetworkError", `No answer from Cognito at ${endpoint} (${err.message}).`);
    }
    let body = {};
    try {
      body = await resp.json();
    } catch (_) {
      body = {};
    }
    if (!resp.ok) {
      // AWS's JSON protocol: __type may carry a namespace ("…#Type") or a ":…" suffix.
      const type = String(body.__type || `HTTP ${resp.status}`).split("#").pop().split(":")[0];
      throw new CognitoError(type, body.message || body.Message || `${action} failed (${resp.status}).`);
    }
    return body;
  }

  // The payload of a JWT (no check: the API checks the token; the page only reads exp and email).
  function claims(jwt) {
    try {
      const part = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      const bytes = Uint8Array.from(atob(part + "=".repeat((4 - (part.length % 4)) % 4)), (c) => c.charCodeAt(0));
      return JSON.parse(new TextDecoder().decode(bytes));
    } catch (_) {
      return null;
    }
  }

  // The tokens live in sessionStorage: they survive a reload of this tab but not its
  // closing, other tabs do not see them, and unlike a cookie they go to the API only
  // when this page puts one in an Authorization header. Only the ID token is kept: it is
  // all the API asks for, and nothing is refreshed (an expired token is a sign-out).
  const TOKENS = "mysfits.tokens";
  let expiryTimer = null;

  function session() {
    let saved = null;
    try {
      saved = JSON.parse(sessionStorage.getItem(TOKENS) || "null");
    } catch (_) {
      saved = null;
    }
    const id = saved && claims(saved.idToken);
    // An expired (or unreadable) token is a signed-out visitor: the API would answer 401.
    if (!id || typeof id.exp !== "number" || id.exp * 1000 <= Date.now()) {
      if (saved) sessionStorage.removeItem(TOKENS);
      return null;
    }
    return { idToken: saved.idToken, email: id.email || saved.email, expires: id.exp * 1000 };
  }

  function signOut() {
    sessionStorage.removeItem(TOKENS);
    showAccount();
  }

  function setMessage(form, text, type) {
    const message = $(`${form}-message`);
    message.textContent = text;
    message.dataset.errorType = type || "";
    message.classList.toggle("bad", !!type);
    message.hidden = !text;
  }

  function showAccount() {
    const who = session();
    $("signed-in").hidden = !who;
    $("signed-out").hidden = !!who;
    $("who").textContent = who ? who.email : "";
    $("who").dataset.email = who ? who.email : "";
    if (who) {
      $("signin-prompt").hidden = true;
      for (const form of ["register", "confirm", "signin"]) setMessage(form, "");
    }
    clearTimeout(expiryTimer);
    if (who) expiryTimer = setTimeout(showAccount, who.expires - Date.now() + 1000);
  }

  // Liking and adopting answered 401: say so, and lead to the sign-in form. The status
  // stays on the prompt (data-status) so a check can tell the API itself refused.
  function askToSignIn(action, status) {
    sessionStorage.removeItem(TOKENS); // a token the API refuses is no sign-in
    showAccount();
    if ($("profile").open) $("profile").close();
    const prompt = $("signin-prompt");
    prompt.dataset.status = String(status);
    prompt.dataset.action = action;
    $("signin-prompt-text").textContent = `Sign in to ${action} a mysfit (the API answered ${status}).`;
    prompt.hidden = false;
    prompt.scrollIntoView({ block: "center" });
    $("signin-email").focus({ preventScroll: true });
  }

  // Each form: its fields, its Cognito call, what it says when that succeeds; a refusal
  // shows Cognito's own message after what did not happen.
  function onSubmit(form, failed, run) {
    $(`${form}-form`).addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = event.currentTarget.querySelector("button[type=submit]");
      button.disabled = true;
      setMessage(form, "");
      try {
        setMessage(form, await run());
      } catch (err) {
        setMessage(form, `${failed}: ${err.message}`, err.type || "Error");
      } finally {
        button.disabled = false;
      }
    });
  }

  function setUpAccount() {
    $("account").hidden = false;
    const field = (id) => $(id).value.trim();

    onSubmit("register", "Not registered", async () => {
      const email = field("register-email");
      const answer = await cognito("SignUp", {
        ClientId: pool.clientId, Username: email, Password: $("register-password").value,
        UserAttributes: [{ Name: "email", Value: email }],
      });
      $("register-password").value = "";
      if (answer.UserConfirmed) {
        $("signin-email").value = email;
        return `Registered ${email}: you can sign in.`;
      }
      $("confirm-email").value = email;
      setMessage("confirm", "");
      $("confirm-code").focus();
      const sent = answer.CodeDeliveryDetails || {};
      return `Registered ${email}. Cognito sent a confirmation code` +
        (sent.Destination ? ` to ${sent.Destination}.` : ".");
    });

    onSubmit("confirm", "Not confirmed", async () => {
      const email = field("confirm-email");
      await cognito("ConfirmSignUp", {
        ClientId: pool.clientId, Username: email, ConfirmationCode: field("confirm-code"),
      });
      $("confirm-code").value = "";
      $("signin-email").value = email;
      setMessage("signin", ""); // an earlier "not confirmed" no longer holds
      $("signin-password").focus();
      return `${email} is confirmed: you can sign in.`;
    });

    onSubmit("signin", "Not signed in", async () => {
      const email = field("signin-email");
      const answer = await cognito("InitiateAuth", {
        ClientId: pool.clientId, AuthFlow: "USER_PASSWORD_AUTH",
        AuthParameters: { USERNAME: email, PASSWORD: $("signin-password").value },
      });
      const tokens = answer.AuthenticationResult;
      if (!tokens || !tokens.IdToken) {
        throw new CognitoError(answer.ChallengeName || "NoTokens",
          `Cognito asks for ${answer.ChallengeName || "more"}, which this page does not handle.`);
      }
      $("signin-password").value = "";
      // The ID token is what the API's authorizer checks (its audience is this client).
      sessionStorage.setItem(TOKENS, JSON.stringify({ idToken: tokens.IdToken, email }));
      showAccount();
      return "";
    });

    $("sign-out").addEventListener("click", signOut);
    $("signin-prompt-go").addEventListener("click", () => $("signin-email").focus());
    showAccount();
  }

  // ---- The mysfits.

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

  // A click on the lab's HTTP API; what it answered stays on the dialog (data-click-*),
  // and a failure does not stand in the visitor's way.
  async function sendClick(id) {
    const dialog = $("profile");
    dialog.dataset.clickStatus = "";
    let status;
    try {
      await call("POST", "/clicks", { json: { mysfitId: id } });
      status = 200;
    } catch (err) {
      status = err.status;
    }
    if (dialog.dataset.mysfitId === id) dialog.dataset.clickStatus = String(status);
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
    if (pool) sendClick(m.mysfitId);
  }

  // The ID token when signed in; signed out the request goes without one, so the 401
  // the visitor is told about is the API's own.
  function token() {
    const who = pool ? session() : null;
    return who ? who.idToken : null;
  }

  // POST the like, then read the mysfit again: the count shown is the stored one.
  async function like(id, button) {
    clearError();
    button.disabled = true;
    try {
      await call("POST", `/mysfits/${encodeURIComponent(id)}/like`, { token: token() });
      showLikes(await call("GET", `/mysfits/${encodeURIComponent(id)}`));
      button.classList.add("liked");
    } catch (err) {
      if (err.status === 401 && pool) askToSignIn("like", err.status);
      else showError(err.message);
    } finally {
      button.disabled = false;
    }
  }

  async function adopt(id) {
    clearError();
    try {
      await call("POST", `/mysfits/${encodeURIComponent(id)}/adopt`, { token: token() });
      showAdopted(await call("GET", `/mysfits/${encodeURIComponent(id)}`));
      await load(state.filter);
    } catch (err) {
      if (err.status === 401 && pool) askToSignIn("adopt", err.status);
      else showError(err.message);
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

  if (pool) setUpAccount();
  load(null).then(() => {
    if (named && !pool && $("error").hidden) showError("config.js names a Cognito user pool without its clientId and endpoint: no sign-in.");
  });
})();
