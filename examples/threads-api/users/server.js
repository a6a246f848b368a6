// Tiny placeholder server: 200 with the service name and path for any request.
const http = require("http");
const service = process.env.SERVICE;
http.createServer((req, res) => {
  res.writeHead(200, { "Content-Type": "application/json" });
  res.end(JSON.stringify({ service, path: req.url }) + "\n");
}).listen(Number(process.env.PORT || 80));
