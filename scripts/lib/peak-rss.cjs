// Preloaded by the synth benchmark: reports this process's peak resident memory when it exits.
process.on("exit", () => {
  process.stderr.write(`peak-rss-kb ${process.resourceUsage().maxRSS}\n`);
});
