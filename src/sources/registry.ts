import { genericSource } from "./generic/index.ts";
import type { Source } from "./source.ts";

// Adding a source is adding its folder and one line here.
const SOURCES: readonly Source[] = [genericSource];

export function sourceNamed(name: string): Source | undefined {
  return SOURCES.find((source) => source.name === name);
}
