import fs from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import zlib from "node:zlib";

const gzip = promisify(zlib.gzip);
const brotli = promisify(zlib.brotliCompress);

/**
 * Writes `<file>.gz` and `<file>.br` next to every file under `dir`, so
 * the server sends a precompressed variant instead of compressing per
 * request. Returns the files compressed.
 */
export async function compressAssets(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, {
    recursive: true,
    withFileTypes: true,
  });
  const files = entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name))
    .filter((file) => !file.endsWith(".gz") && !file.endsWith(".br"));

  await Promise.all(
    files.map(async (file) => {
      const content = await fs.readFile(file);
      const [gzipped, brotlied] = await Promise.all([
        gzip(content, { level: zlib.constants.Z_BEST_COMPRESSION }),
        brotli(content, {
          params: {
            [zlib.constants.BROTLI_PARAM_QUALITY]:
              zlib.constants.BROTLI_MAX_QUALITY,
            [zlib.constants.BROTLI_PARAM_SIZE_HINT]: content.length,
          },
        }),
      ]);
      await fs.writeFile(`${file}.gz`, gzipped);
      await fs.writeFile(`${file}.br`, brotlied);
    }),
  );
  return files;
}
