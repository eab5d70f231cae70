// The studio: built into web/dist, which `make run` serves at / (devstack/studio.py) and a
// deployment serves from a bucket behind the load balancer, on the API's own origin.
import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist", sourcemap: false, chunkSizeWarningLimit: 600 },
  test: { environment: "jsdom", include: ["src/**/*.test.ts", "src/**/*.test.tsx"] },
});
