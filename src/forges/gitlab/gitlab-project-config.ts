import { z } from "zod";
import type { SecretBox } from "../../crypto/secret-box.ts";

/** The `forge` object of a GitLab project as the admin API takes it. */
export const gitlabForgeInput = z
  .object({
    type: z.literal("gitlab"),
    /** The instance, e.g. `https://gitlab.com`; its API is under it. */
    base_url: z.url({ protocol: /^https?$/ }).max(2048),
    /** A service account's, project or personal access token (api scope). */
    token: z.string().min(8).max(1024),
    /** For the gitlab_pipeline executor: a pipeline trigger token. */
    pipeline_trigger_token: z.string().min(8).max(1024).optional(),
    /** The ref pipelines run on; the default branch when absent. */
    pipeline_ref: z.string().min(1).max(255).optional(),
  })
  .strict();

export type GitLabForgeInput = z.output<typeof gitlabForgeInput>;

/** A GitLab project's forge settings, secrets opened. */
export interface GitLabProjectConfig {
  baseUrl: string;
  /** GitLab's own id of the project, which is also Flowgate's. */
  projectId: number;
  token: string;
  /** What GitLab's merge request webhook must send (X-Gitlab-Token, or
   * the key of its Standard Webhooks signature). */
  webhookSecret: string;
  pipelineTriggerToken: string | undefined;
  pipelineRef: string | undefined;
}

/** The stored `forge_config`: secrets sealed, nothing else secret. */
interface StoredConfig {
  base_url: string;
  project_id: number;
  token: string;
  webhook_secret: string;
  pipeline_trigger_token?: string;
  pipeline_ref?: string;
}

/** Seals the settings for the `forge_config` column. */
export function sealGitLabConfig(
  input: GitLabForgeInput,
  projectId: number,
  webhookSecret: string,
  secretBox: SecretBox,
): string {
  const stored: StoredConfig = {
    base_url: input.base_url.replace(/\/+$/, ""),
    project_id: projectId,
    token: secretBox.seal(input.token),
    webhook_secret: secretBox.seal(webhookSecret),
    ...(input.pipeline_trigger_token
      ? { pipeline_trigger_token: secretBox.seal(input.pipeline_trigger_token) }
      : {}),
    ...(input.pipeline_ref ? { pipeline_ref: input.pipeline_ref } : {}),
  };
  return JSON.stringify(stored);
}

/** Opens a project's stored `forge_config`. */
export function readGitLabConfig(
  forgeConfig: string,
  secretBox: SecretBox,
): GitLabProjectConfig {
  const stored = JSON.parse(forgeConfig) as StoredConfig;
  return {
    baseUrl: stored.base_url,
    projectId: stored.project_id,
    token: secretBox.open(stored.token),
    webhookSecret: secretBox.open(stored.webhook_secret),
    pipelineTriggerToken: stored.pipeline_trigger_token
      ? secretBox.open(stored.pipeline_trigger_token)
      : undefined,
    pipelineRef: stored.pipeline_ref,
  };
}

/** What `PATCH /api/v4/projects/:id` may change of a GitLab project. */
export const gitlabForgeChanges = z
  .object({
    base_url: gitlabForgeInput.shape.base_url,
    token: gitlabForgeInput.shape.token,
    pipeline_trigger_token: z.string().min(8).max(1024).nullable(),
    pipeline_ref: z.string().min(1).max(255).nullable(),
  })
  .partial()
  .strict();

export type GitLabForgeChanges = z.output<typeof gitlabForgeChanges>;

/**
 * Applies changes to a stored `forge_config`, sealing new secrets; a new
 * webhook secret when one is given. `null` removes an optional setting.
 */
export function changeGitLabConfig(
  forgeConfig: string,
  changes: GitLabForgeChanges,
  newWebhookSecret: string | undefined,
  secretBox: SecretBox,
): string {
  const stored = JSON.parse(forgeConfig) as StoredConfig;
  const next: StoredConfig = { ...stored };
  if (changes.base_url !== undefined) {
    next.base_url = changes.base_url.replace(/\/+$/, "");
  }
  if (changes.token !== undefined) next.token = secretBox.seal(changes.token);
  if (changes.pipeline_trigger_token === null) {
    delete next.pipeline_trigger_token;
  } else if (changes.pipeline_trigger_token !== undefined) {
    next.pipeline_trigger_token = secretBox.seal(
      changes.pipeline_trigger_token,
    );
  }
  if (changes.pipeline_ref === null) delete next.pipeline_ref;
  else if (changes.pipeline_ref !== undefined) {
    next.pipeline_ref = changes.pipeline_ref;
  }
  if (newWebhookSecret !== undefined) {
    next.webhook_secret = secretBox.seal(newWebhookSecret);
  }
  return JSON.stringify(next);
}

/** What the admin API may show of the settings: no secret. */
export function gitlabConfigView(forgeConfig: string) {
  const stored = JSON.parse(forgeConfig) as StoredConfig;
  return {
    type: "gitlab",
    base_url: stored.base_url,
    project_id: stored.project_id,
    pipeline_trigger_token_set: stored.pipeline_trigger_token !== undefined,
    ...(stored.pipeline_ref ? { pipeline_ref: stored.pipeline_ref } : {}),
  };
}
