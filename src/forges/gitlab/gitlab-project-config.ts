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
