import { fileURLToPath } from "node:url";
import { build } from "vite";
import { compressAssets } from "./compress-assets.ts";

const WEB_ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Builds the dashboard into `outDir` (default web/dist) and compresses it. */
export async function buildDashboard(outDir?: string): Promise<string> {
  const target = outDir ?? fileURLToPath(new URL("../dist", import.meta.url));
  await build({
    configFile: fileURLToPath(new URL("../vite.config.ts", import.meta.url)),
    root: WEB_ROOT,
    logLevel: "warn",
    build: { outDir: target, emptyOutDir: true },
  });
  await compressAssets(target);
  return target;
}
