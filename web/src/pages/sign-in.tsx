import { useState } from "preact/hooks";
import { ApiError, describeError } from "../api/api-error.ts";
import { requestJson } from "../api/client.ts";
import { DASHBOARD } from "../api/paths.ts";
import { type Session, setSession } from "../api/session.ts";
import { ErrorMessage } from "../components/error-message.tsx";

export function SignInPage() {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const session = await requestJson<Session>(`${DASHBOARD}/session`, {
        method: "POST",
        body: { token },
      });
      setToken("");
      setSession(session);
    } catch (failure) {
      setError(
        failure instanceof ApiError && failure.status === 401
          ? "That token was not accepted: paste the admin token (data/admin-token) or a GitLab token with read_api."
          : describeError(failure),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="narrow">
      <h1>Sign in</h1>
      <form onSubmit={submit}>
        <label for="token">Admin token or GitLab access token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="current-password"
          required
          value={token}
          onInput={(event) => setToken(event.currentTarget.value)}
        />
        <p class="hint">
          The token is sent once; the browser then keeps an HttpOnly session
          cookie for 12 hours.
        </p>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
      <ErrorMessage error={error} />
    </section>
  );
}
