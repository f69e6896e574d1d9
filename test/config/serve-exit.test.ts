import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function serve(env: Record<string, string>): Promise<Exit> {
  return new Promise((resolve) => {
    execFile(
      "npx",
      ["tsx", "src/main.ts", "serve"],
      { env: { ...process.env, ...env }, timeout: 20_000 },
      (error, stdout, stderr) => {
        const code = error ? (error.code as number | null) : 0;
        resolve({
          code: typeof code === "number" ? code : null,
          stdout,
          stderr,
        });
      },
    );
  });
}

describe("flowgate serve", () => {
  it("exits with code 2 and names FLOWGATE_PORT when the port is not a number", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "flowgate-serve-"));
    const dataDir = path.join(root, "data");
    try {
      const exit = await serve({
        FLOWGATE_PORT: "abc",
        FLOWGATE_DATA_DIR: dataDir,
      });

      expect(exit.code).toBe(2);
      expect(exit.stderr).toContain("FLOWGATE_PORT");
      // Configuration is checked before anything touches the disk.
      expect(fs.existsSync(dataDir)).toBe(false);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
