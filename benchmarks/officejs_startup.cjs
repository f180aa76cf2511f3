// One cold start of the generated add-in under Node: load its functions.js (with Excel's
// CustomFunctions stood in for), wait for Pyodide and the wheel, make the first call.
// Prints JSON timings in seconds. Usage: node officejs_startup.cjs ADDIN_DIR
"use strict";

const fs = require("fs");
const http = require("http");
const path = require("path");
const vm = require("vm");

const begun = performance.now();
const addin = path.resolve(process.argv[2]);
const registered = {};
globalThis.CustomFunctions = {
  associate: (id, fn) => (registered[id] = fn),
  Error: class {
    constructor(code, message) {
      Object.assign(this, { code, message });
    }
  },
  ErrorCode: { invalidValue: "#VALUE!", notAvailable: "#N/A" },
};
const server = http.createServer((request, response) => {
  const file = path.join(addin, decodeURIComponent(new URL(request.url, "http://x").pathname));
  fs.readFile(file, (error, data) => {
    response.writeHead(error ? 404 : 200);
    response.end(error ? "" : data);
  });
});
server.listen(0, "127.0.0.1", async () => {
  globalThis.location = { href: `http://127.0.0.1:${server.address().port}/taskpane.html` };
  globalThis.loadPyodide = require(path.join(addin, "pyodide", "pyodide.js")).loadPyodide;
  const loaded = performance.now();
  vm.runInThisContext(fs.readFileSync(path.join(addin, "functions.js"), "utf-8"));
  await globalThis.ProductiveXL.startPython();
  const ready = performance.now();
  const value = await registered.SAVING(40, 28, 250, 12, 0.9, { address: "A1" });
  const first = performance.now();
  for (let i = 0; i < 1000; i++) await registered.SAVING(40, 28, 250, 12, 0.9, { address: "A1" });
  const thousand = performance.now();
  server.close();
  process.stdout.write(
    JSON.stringify({
      value,
      node_and_loader: (loaded - begun) / 1000,
      pyodide_started: globalThis.ProductiveXL.status.pyodideSeconds,
      python_ready: (ready - loaded) / 1000,
      first_call: (first - ready) / 1000,
      per_call: (thousand - first) / 1000 / 1000,
    }),
  );
});
