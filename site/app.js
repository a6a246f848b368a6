// Placeholder: the page's real script comes with the site (issue 9, the page side).
document.getElementById("mysfits").textContent =
  "API: " + (window.MYSFITS_CONFIG ? window.MYSFITS_CONFIG.apiUrl : "(no config.js)");
