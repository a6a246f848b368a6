// The seed app's server (users, threads and posts of a forum), with Node's standard
// library only. Every service runs this same file and answers the parts of its db.json
// it has: the monolith (api) has them all, each split-out service its own, so a path
// answers the same before and after its split.
const http = require("http");
const db = require("./db.json");

const byId = (list, id) => list.find((item) => item.id === Number(id));
const routes = [
  ["users", /^\/api\/users$/, () => db.users],
  ["users", /^\/api\/users\/(\d+)$/, (id) => byId(db.users, id)],
  ["threads", /^\/api\/threads$/, () => db.threads],
  ["threads", /^\/api\/threads\/(\d+)$/, (id) => byId(db.threads, id)],
  ["posts", /^\/api\/posts\/in-thread\/(\d+)$/, (id) => db.posts.filter((p) => p.thread === Number(id))],
].filter(([part]) => part in db);

function answer(req) {
  if (req.method !== "GET") return [405, "Method Not Allowed"];
  if (req.url === "/") return [200, "Ready to receive requests"];
  for (const [, pattern, find] of routes) {
    const match = pattern.exec(req.url);
    if (match) {
      const found = find(match[1]);
      return found === undefined ? [404, "Not Found"] : [200, found];
    }
  }
  return [404, "Not Found"];
}

http.createServer((req, res) => {
  const [status, body] = answer(req);
  const json = typeof body !== "string";
  res.writeHead(status, { "Content-Type": json ? "application/json" : "text/plain" });
  res.end(json ? JSON.stringify(body) : body);
  // One line a request: `mysfits logs SERVICE` shows which service answered a path.
  console.log(`${req.method} ${req.url} ${status}`);
}).listen(Number(process.env.PORT || 80), () => console.log(`listening on ${process.env.PORT || 80}`));
