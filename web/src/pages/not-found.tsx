import { DASHBOARD } from "../api/paths.ts";

export function NotFoundPage() {
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        This address is not a dashboard page.{" "}
        <a href={`${DASHBOARD}/`}>Go to the projects.</a>
      </p>
    </section>
  );
}
