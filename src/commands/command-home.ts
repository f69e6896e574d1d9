import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/**
 * An empty directory tree of one run, outside the data directory, that a
 * command gets as its HOME, TMPDIR and XDG directories: ~/.npmrc,
 * ~/.git-credentials and the like of Flowgate's own user stay out of its
 * reach, and what it writes there goes with the run.
 */
export interface CommandHome {
  /** The tree's root, which holds all the others. */
  root: string;
  home: string;
  tmp: string;
  config: string;
  cache: string;
  data: string;
  state: string;
}

/** Makes a run's command home (mode 0700) under the system's temp dir. */
export async function createCommandHome(
  base: string = os.tmpdir(),
): Promise<CommandHome> {
  const root = await fs.mkdtemp(path.join(base, "flowgate-command-"));
  const home = path.join(root, "home");
  const tree: CommandHome = {
    root,
    home,
    tmp: path.join(root, "tmp"),
    config: path.join(home, ".config"),
    cache: path.join(home, ".cache"),
    data: path.join(home, ".local", "share"),
    state: path.join(home, ".local", "state"),
  };
  for (const dir of [
    tree.tmp,
    tree.config,
    tree.cache,
    tree.data,
    tree.state,
  ]) {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  }
  return tree;
}

export async function removeCommandHome(home: CommandHome): Promise<void> {
  await fs.rm(home.root, { recursive: true, force: true });
}
