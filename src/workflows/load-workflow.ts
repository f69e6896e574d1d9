import type { AgentBudgets, ModelConfig } from "../config/read-config.ts";
import type { SecretBox } from "../crypto/secret-box.ts";
import type { Forge, ForgeProject } from "../forges/forge.ts";
import { readGitLabConfig } from "../forges/gitlab/gitlab-project-config.ts";
import type { Trigger } from "../triggers/trigger.ts";
import { resolveWorkflow } from "./resolve-workflow.ts";
import type { WorkflowSettings } from "./workflow-settings.ts";
import { parseWorkflowsFile, WORKFLOWS_FILE } from "./workflows-file.ts";

export interface WorkflowSources {
  forge: Forge;
  secretBox: SecretBox;
  instance: { model: ModelConfig; budgets: AgentBudgets };
  /** The instance's own secrets (admin token, keys), to redact. */
  instanceSecrets: readonly string[];
}

/**
 * The settings of one run's workflow type, with the repository's
 * .flowgate/workflows.yml read from the default branch. Throws
 * WorkflowsFileError, naming the line, when that file is invalid.
 */
export async function loadWorkflow(
  sources: WorkflowSources,
  run: { workflow_type: string; executor: string },
  project: ForgeProject & { forgeType?: string; forgeConfig?: string },
  trigger: { settings: Trigger; sealedCredentials: string | null } | undefined,
  signal?: AbortSignal,
): Promise<WorkflowSettings> {
  const bytes = await sources.forge.readRepositoryFile(
    project,
    project.defaultBranch,
    WORKFLOWS_FILE,
    signal,
  );
  const file = bytes ? parseWorkflowsFile(bytes.toString("utf8")) : undefined;
  const settings = trigger?.settings;
  const triggerApiKey = settings?.agent.sealedModelApiKey
    ? sources.secretBox.open(settings.agent.sealedModelApiKey)
    : undefined;

  return resolveWorkflow({
    type: run.workflow_type,
    executor: run.executor,
    instance: sources.instance,
    trigger: settings,
    triggerApiKey,
    file,
    secrets: [
      ...sources.instanceSecrets,
      ...forgeSecrets(sources.secretBox, project),
      ...(triggerApiKey ? [triggerApiKey] : []),
      ...(trigger ? triggerSecrets(sources.secretBox, trigger) : []),
    ],
  });
}

/** The tokens of the project's forge (GitLab's), opened. */
function forgeSecrets(
  secretBox: SecretBox,
  project: { forgeType?: string; forgeConfig?: string },
): string[] {
  if (project.forgeType !== "gitlab" || !project.forgeConfig) return [];
  const config = readGitLabConfig(project.forgeConfig, secretBox);
  return [
    config.token,
    config.webhookSecret,
    ...(config.pipelineTriggerToken ? [config.pipelineTriggerToken] : []),
  ];
}

/** The trigger's signing secrets and provider credentials, opened. */
function triggerSecrets(
  secretBox: SecretBox,
  trigger: { settings: Trigger; sealedCredentials: string | null },
): string[] {
  const secrets = trigger.settings.sealedSigningSecrets.flatMap((sealed) => {
    const secret = secretBox.open(sealed);
    // The base64 key inside whsec_… is a secret on its own too.
    return [secret, secret.replace(/^whsec_/, "")];
  });
  if (trigger.sealedCredentials) {
    const credentials = JSON.parse(
      secretBox.open(trigger.sealedCredentials),
    ) as Record<string, unknown>;
    for (const [key, value] of Object.entries(credentials)) {
      // Addresses and user names are not secret, and redacting them
      // would blank out the ticket's own links.
      if (/url$|^email$|^username$/i.test(key)) continue;
      if (typeof value === "string") secrets.push(value);
    }
  }
  return secrets;
}
