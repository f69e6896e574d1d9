import { useEffect, useState } from "preact/hooks";
import { LocationProvider, Route, Router, useLocation } from "preact-iso";
import { requestJson } from "./api/client.ts";
import { DASHBOARD } from "./api/paths.ts";
import {
  currentSession,
  onSessionChange,
  type Session,
  setSession,
} from "./api/session.ts";
import { Header } from "./components/header.tsx";
import { AuditPage } from "./pages/audit.tsx";
import { DeliveriesPage } from "./pages/deliveries.tsx";
import { DeliveryPage } from "./pages/delivery.tsx";
import { NotFoundPage } from "./pages/not-found.tsx";
import { ProjectsPage } from "./pages/projects.tsx";
import { RunPage } from "./pages/run.tsx";
import { RunsPage } from "./pages/runs.tsx";
import { SignInPage } from "./pages/sign-in.tsx";
import { TriggerPage } from "./pages/trigger.tsx";
import { TriggerNewPage } from "./pages/trigger-new.tsx";
import { TriggersPage } from "./pages/triggers.tsx";

const SIGN_IN = `${DASHBOARD}/sign-in`;
const P = `${DASHBOARD}/projects/:id`;

export function App() {
  return (
    <LocationProvider scope={`${DASHBOARD}/`}>
      <SessionGate />
    </LocationProvider>
  );
}

/** Asks the server once whether a session exists, then keeps up with it. */
function SessionGate() {
  const [session, setLocal] = useState<Session | null | undefined>(
    currentSession() ?? undefined,
  );
  const location = useLocation();

  useEffect(() => {
    const stop = onSessionChange(setLocal);
    requestJson<Session>(`${DASHBOARD}/session`).then(setSession, () =>
      setSession(null),
    );
    return stop;
  }, []);

  const onSignIn = location.path === SIGN_IN;
  useEffect(() => {
    if (session === null && !onSignIn) location.route(SIGN_IN, true);
    if (session && onSignIn) location.route(`${DASHBOARD}/`, true);
  }, [session, onSignIn, location]);

  if (session === undefined) {
    return (
      <p class="loading" aria-live="polite">
        Loading…
      </p>
    );
  }
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <Header session={session} />
      <main id="main" tabIndex={-1}>
        <Router>
          <Route path={SIGN_IN} component={SignInPage} />
          <Route path={`${DASHBOARD}/`} component={ProjectsPage} />
          <Route path={`${P}/runs`} component={RunsPage} />
          <Route path={`${P}/runs/:runId`} component={RunPage} />
          <Route path={`${P}/deliveries`} component={DeliveriesPage} />
          <Route
            path={`${P}/deliveries/:deliveryId`}
            component={DeliveryPage}
          />
          <Route path={`${P}/triggers`} component={TriggersPage} />
          <Route path={`${P}/triggers/new`} component={TriggerNewPage} />
          <Route path={`${P}/triggers/:triggerId`} component={TriggerPage} />
          <Route path={`${P}/audit`} component={AuditPage} />
          <Route default component={NotFoundPage} />
        </Router>
      </main>
    </>
  );
}
