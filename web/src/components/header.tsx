import { useState } from "preact/hooks";
import { describeError } from "../api/api-error.ts";
import { requestJson } from "../api/client.ts";
import { DASHBOARD } from "../api/paths.ts";
import { type Session, setSession } from "../api/session.ts";
import { ErrorMessage } from "./error-message.tsx";

export function Header(props: { session: Session | null }) {
  const [error, setError] = useState<string | null>(null);

  const signOut = async () => {
    try {
      await requestJson(`${DASHBOARD}/session`, { method: "DELETE" });
      setSession(null);
    } catch (failure) {
      setError(describeError(failure));
    }
  };

  return (
    <header class="site-header">
      <a class="brand" href={`${DASHBOARD}/`}>
        Flowgate
      </a>
      {props.session && (
        <div class="session">
          <span>Signed in as {props.session.user.name}</span>
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        </div>
      )}
      <ErrorMessage error={error} />
    </header>
  );
}
