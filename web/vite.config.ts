import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// The dashboard is served by Flowgate itself under /-/dashboard/, so every
// asset URL carries that prefix; nothing is loaded from elsewhere.
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/-/dashboard/",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // One small bundle: the first page must stay under 100 KB compressed.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
  },
});
