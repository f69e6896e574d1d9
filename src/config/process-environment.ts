/**
 * Flowgate's own environment is read here and nowhere else. The entry
 * point takes the configuration from a copy of it; the programs Flowgate
 * starts (git, the agent's commands) inherit only the few variables they
 * need to find programs and a place for files, never the rest, which
 * holds the admin token, the secret key and the model key.
 */
export function processEnvironment(): NodeJS.ProcessEnv {
  return { ...process.env };
}

/** Those of the named variables that are set in Flowgate's environment. */
export function inheritedVariables(
  names: readonly string[],
): Record<string, string> {
  const inherited: Record<string, string> = {};
  for (const name of names) {
    const value = process.env[name];
    if (value !== undefined) inherited[name] = value;
  }
  return inherited;
}
