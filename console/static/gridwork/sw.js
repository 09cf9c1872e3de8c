"use strict";
// Grid work opens without a network once it has been opened with one: the page and its scripts from the cache,
// and the lists it reads (the session, campaigns and houses, visits, the register's masked list) from the last
// answer when the network fails. One person's full record is never cached; the page empties the API cache when
// its user signs out, so a shared phone does not show one worker's lists to the next.
const SHELL_CACHE = "gridhub-gridwork-v1";
const API_CACHE = "gridhub-gridwork-api";
const SHELL = ["./", "index.html", "gridwork.js", "visits.js", "register.js", "gridwork.css", "/static/screen/api.js",
  "/static/screen/format.js", "/static/screen/i18n.js", "/static/screen/login.js", "/static/screen/live.js",
  "/static/screen/screen.css", "/static/screen/login.css", "/static/cases/workbench.css", "/static/screen/icon.svg"];
const LISTS = [/^\/api\/screen\/session$/, /^\/api\/auth\/me$/, /^\/api\/gridwork\/(campaigns|checklists|visits)/,
  /^\/api\/register\/people$/];

self.addEventListener("install", (e) => e.waitUntil(caches.open(SHELL_CACHE).then((c) => c.addAll(SHELL))));
self.addEventListener("activate", (e) => e.waitUntil(caches.keys().then((keys) => Promise.all(keys
  .filter((k) => k.startsWith("gridhub-gridwork-v") && k !== SHELL_CACHE).map((k) => caches.delete(k))))
  .then(() => self.clients.claim())));
self.addEventListener("fetch", (e) => {
  const url = new URL(e.request.url);
  if (e.request.method !== "GET" || url.origin !== location.origin) return;
  const api = url.pathname.startsWith("/api/");
  if (api && !LISTS.some((re) => re.test(url.pathname))) return;
  if (!api && !url.pathname.startsWith("/gridwork/") && !url.pathname.startsWith("/static/")) return;
  e.respondWith(fetch(e.request).then((res) => {
    if (res.ok) {
      const copy = res.clone();
      caches.open(api ? API_CACHE : SHELL_CACHE).then((c) => c.put(e.request, copy));
    }
    return res;
  }).catch(() => caches.match(e.request).then((hit) => hit ?? Response.error())));
});
