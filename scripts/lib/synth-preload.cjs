// The one preload of `npm run synth` (package.json, cdktf.json): tsx's require hook (tsx/cjs) for the project's
// TypeScript, which compiles to CommonJS, so Node's ESM loader and tsx's hooks thread (about 50 ms of each synth)
// are never started.
//
// Dependencies are loaded by Node itself, as they would be without tsx: tsx's hook reads every .js file it is
// handed and scans it for import/export syntax (es-module-lexer) before compiling it. Synth loads about 500 files
// of node_modules, the provider's large ones among them: about 0.15 s of a 0.65 s synth, for nothing, since every
// one of them is CommonJS (or, on Node 20.19 and later, an ES module that Node's own require loads).
const Module = require("node:module");

const nodeJs = Module._extensions[".js"];
require("tsx/cjs");
const tsxJs = Module._extensions[".js"];
const DEPENDENCY = /[\\/]node_modules[\\/]/;
Module._extensions[".js"] = function loadJs(module, filename) {
  return (DEPENDENCY.test(filename) ? nodeJs : tsxJs).call(this, module, filename);
};

// tsx turns source-mapped stack traces on, and Node then parses the source map of every module it loads and maps
// every stack captured (CDKTF tokens capture one each), about 0.1 s of each synth. DEBUG=1 keeps them on for a
// readable trace of a failing construct.
if (!process.env.DEBUG) process.setSourceMapsEnabled(false);
