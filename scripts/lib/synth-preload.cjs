// Preloaded by `npm run synth` after tsx's require hook (tsx/cjs): main.ts and modules/ compile to CommonJS, so
// Node's ESM loader and tsx's hooks thread (about 50 ms of each synth) are never started. tsx turns source-mapped
// stack traces on, and Node then parses the source map of every module it loads and maps every stack captured
// (CDKTF tokens capture one each), about 0.1 s of each synth. DEBUG=1 keeps them on for a readable trace of a
// failing construct.
if (!process.env.DEBUG) process.setSourceMapsEnabled(false);
