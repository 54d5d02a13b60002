// The console is a static single-page app: `noos console` serves dist/ and proxies the indexer
// under /indexer, so the built files need no URL baked in (they read /config.json at start).
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 4000, target: "es2022" },
  // snarkjs (and its ffjavascript) read `process` / `global` in a few places.
  define: { "process.env.NODE_DEBUG": "false", global: "globalThis" },
  optimizeDeps: { esbuildOptions: { target: "es2022" } },
});
