// Runs a generated add-in's functions.js under Node, as Excel's shared runtime would, and prints
// what each step gave as JSON. Usage: node officejs_harness.cjs ADDIN_DIR < steps.json
//
// Excel's own objects (CustomFunctions, Excel.run) are Excel's, not the product's, so they are
// stood in for here, strictly: a CustomFunctions.Error given a message Office would not show
// is marked, and an Excel proxy's property read before context.sync() throws, as in Office.
// Everything else is the add-in as written: its functions.js, its copy of Pyodide (loaded from
// ADDIN_DIR/pyodide, where the page loads it) and its wheel, fetched over HTTP from a server of
// ADDIN_DIR, as a browser fetches it from the trust's server.
"use strict";

const fs = require("fs");
const http = require("http");
const path = require("path");
const vm = require("vm");

const addin = path.resolve(process.argv[2]);
const steps = JSON.parse(fs.readFileSync(0, "utf-8"));
const declared = {};
for (const f of JSON.parse(fs.readFileSync(path.join(addin, "functions.json"))).functions) {
  declared[f.id] = f.parameters.length;
}

// CustomFunctions, as Office documents it: a message is shown only with #VALUE! and #N/A.
const ERROR_CODES = {
  invalidValue: "#VALUE!",
  notAvailable: "#N/A",
  divisionByZero: "#DIV/0!",
  invalidNumber: "#NUM!",
  nullReference: "#NULL!",
  invalidName: "#NAME?",
  invalidReference: "#REF!",
};
class CustomFunctionsError {
  constructor(code, message) {
    if (!Object.values(ERROR_CODES).includes(code)) {
      throw new Error(`not a CustomFunctions.ErrorCode: ${code}`);
    }
    this.code = code;
    this.message = message;
    this.messageRefused = message !== undefined && !["#VALUE!", "#N/A"].includes(code);
  }
}
const registered = {};
globalThis.CustomFunctions = {
  associate(id, fn) {
    registered[id] = fn;
  },
  Error: CustomFunctionsError,
  ErrorCode: ERROR_CODES,
};

// Excel.run over a workbook that has (or lacks) the name FinancialYear.
const workbook = { year: undefined, reads: 0, handlers: [] };
function proxy(fields) {
  // a property of an Excel proxy can be read only after the context's sync
  const object = { synced: false };
  for (const [name, value] of Object.entries(fields)) {
    Object.defineProperty(object, name, {
      get() {
        if (!object.synced) throw new Error(`PropertyNotLoaded: ${name} read before sync`);
        return value();
      },
    });
  }
  return object;
}
globalThis.Excel = {
  async run(batch) {
    workbook.reads += 1;
    const pending = [];
    const context = {
      workbook: {
        names: {
          getItemOrNullObject(name) {
            const has = name === "FinancialYear" && workbook.year !== undefined;
            const item = proxy({ isNullObject: () => !has });
            item.getRangeOrNullObject = () => {
              const range = proxy({
                isNullObject: () => !has,
                values: () => [[workbook.year]],
              });
              range.load = () => pending.push(range);
              return range;
            };
            pending.push(item);
            return item;
          },
        },
        worksheets: { onChanged: { add: (handler) => workbook.handlers.push(handler) } },
      },
      async sync() {
        for (const object of pending.splice(0)) object.synced = true;
      },
    };
    return batch(context);
  },
};

const server = http.createServer((request, response) => {
  const file = path.join(addin, decodeURIComponent(new URL(request.url, "http://x").pathname));
  fs.readFile(file, (error, data) => {
    response.writeHead(error ? 404 : 200);
    response.end(error ? "" : data);
  });
});

async function run(step) {
  if ("year" in step) {
    workbook.year = step.year === null ? undefined : step.year;
    for (const handler of workbook.handlers) await handler({ type: "WorksheetChanged" });
    return null;
  }
  if ("explain" in step) {
    return globalThis.ProductiveXL.explain(step.explain);
  }
  if ("excel_reads" in step) {
    return workbook.reads;
  }
  // Excel passes every declared argument (an omitted one as null), then the invocation.
  const args = step.args.slice();
  while (args.length < declared[step.call]) args.push(step.pad === "undefined" ? undefined : null);
  try {
    const value = await registered[step.call](...args, { address: step.address });
    return { value };
  } catch (error) {
    if (!(error instanceof CustomFunctionsError)) {
      return { thrown: String(error) };
    }
    return { error: error.code, message: error.message ?? null, refused: error.messageRefused };
  }
}

server.listen(0, "127.0.0.1", async () => {
  globalThis.location = { href: `http://127.0.0.1:${server.address().port}/taskpane.html` };
  globalThis.loadPyodide = require(path.join(addin, "pyodide", "pyodide.js")).loadPyodide;
  vm.runInThisContext(fs.readFileSync(path.join(addin, "functions.js"), "utf-8"));
  const results = [];
  try {
    for (const step of steps) results.push(await run(step));
  } finally {
    server.close();
  }
  process.stdout.write(JSON.stringify({ registered: Object.keys(registered), results }));
});
