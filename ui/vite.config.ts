import { defineConfig } from "vite";

// The bundle is embedded by Go (internal/web/ui/dist, //go:embed) and served
// at /admin/: relative asset URLs ("./assets/…") resolve under it.
export default defineConfig({
  base: "./",
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir: "../internal/web/ui/dist",
    emptyOutDir: true,
    target: "es2020",
    modulePreload: false,
    reportCompressedSize: true,
  },
});
