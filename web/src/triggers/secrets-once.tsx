import { CopyButton } from "../components/copy-button.tsx";
import { PROVIDER_STEPS } from "./provider-steps.ts";
import { isSource } from "./sources.ts";

interface Props {
  source: string;
  webhookUrl: string;
  token: string;
  signingSecret: string;
  heading: string;
}

/**
 * The token and signing secret as the API answered them, the only time
 * it does: shown with copy buttons and the provider's set-up steps.
 */
export function SecretsOnce(props: Props) {
  const steps = isSource(props.source) ? PROVIDER_STEPS[props.source] : [];
  return (
    <section class="secrets" aria-labelledby="secrets-heading">
      <h2 id="secrets-heading">{props.heading}</h2>
      <p class="warning">
        Copy these now: Flowgate keeps only a hash of the token and cannot show
        either again. Rotate the trigger if they are lost.
      </p>
      <dl class="facts">
        <dt>Webhook URL</dt>
        <dd>
          <code>{props.webhookUrl}</code>{" "}
          <CopyButton value={props.webhookUrl} label="webhook URL" />
        </dd>
        <dt>Token</dt>
        <dd>
          <code data-secret="token">{props.token}</code>{" "}
          <CopyButton value={props.token} label="token" />
        </dd>
        <dt>Signing secret</dt>
        <dd>
          <code data-secret="signing-secret">{props.signingSecret}</code>{" "}
          <CopyButton value={props.signingSecret} label="signing secret" />
        </dd>
      </dl>
      <h3>Set up {props.source}</h3>
      <ol>
        {steps.map((step) => (
          <li key={step}>{step}</li>
        ))}
      </ol>
    </section>
  );
}
