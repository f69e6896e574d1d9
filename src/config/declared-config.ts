import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { createTriggerSchema } from "../triggers/trigger-settings.ts";
import { ConfigError } from "./read-config.ts";

const triggerDeclaration = createTriggerSchema.extend({
  // A trigger as code is found again by name on every start.
  name: z.string().trim().min(1).max(255),
  // Optional fixed token, so senders can be configured ahead of time;
  // a fixed signing_secret is one of the trigger's settings.
  token: z.string().min(20, "must be at least 20 characters").optional(),
});

const projectDeclaration = z
  .object({
    path: z.string().min(1).max(255),
    default_branch: z.string().min(1).max(200).optional(),
    import_path: z.string().min(1).optional(),
    triggers: z.array(triggerDeclaration).max(100).default([]),
  })
  .strict();

const declaredConfig = z
  .object({ projects: z.array(projectDeclaration).max(1000).default([]) })
  .strict();

export type DeclaredConfig = z.output<typeof declaredConfig>;
export type DeclaredProject = DeclaredConfig["projects"][number];
export type DeclaredTrigger = DeclaredProject["triggers"][number];

/**
 * Parses the YAML file of projects and triggers declared as code.
 * `${NAME}` is replaced by the environment variable NAME, so secrets stay
 * out of the file; a missing variable is an error, never an empty string.
 */
export function parseDeclaredConfig(
  text: string,
  env: NodeJS.ProcessEnv,
  file: string,
): DeclaredConfig {
  let document: unknown;
  try {
    document = parseYaml(text) ?? {};
  } catch (error) {
    throw new ConfigError("FLOWGATE_CONFIG", `${file} is not valid YAML`, {
      cause: error,
    });
  }

  const interpolated = interpolate(document, env, file);
  const parsed = declaredConfig.safeParse(interpolated);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join(".") || "(top level)";
    throw new ConfigError(
      "FLOWGATE_CONFIG",
      `${file}: ${where} ${issue?.message ?? "is invalid"}`,
    );
  }
  return parsed.data;
}

function interpolate(
  value: unknown,
  env: NodeJS.ProcessEnv,
  file: string,
): unknown {
  if (typeof value === "string") {
    return value.replace(
      /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g,
      (_match, name: string) => {
        const replacement = env[name];
        if (replacement === undefined) {
          throw new ConfigError(
            "FLOWGATE_CONFIG",
            `${file} refers to \${${name}}, but ${name} is not set`,
          );
        }
        return replacement;
      },
    );
  }
  if (Array.isArray(value))
    return value.map((item) => interpolate(item, env, file));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        interpolate(item, env, file),
      ]),
    );
  }
  return value;
}
