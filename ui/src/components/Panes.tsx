import type { AppOverview } from '../ipc';

function Configured({ label, value, testid }: { label: string; value: string | null; testid: string }) {
  return (
    <p class="configured" data-testid={testid}>
      {label}: {value === null ? <em>none configured</em> : <code>{value}</code>}
    </p>
  );
}

export function EmsPane({ overview }: { overview: AppOverview | null }) {
  return (
    <section class="pane" data-testid="pane-ems" aria-labelledby="pane-ems-title">
      <h2 id="pane-ems-title">EMS account</h2>
      <p>
        Your EMS account (Element Matrix Services) holds your personal and company details, your
        billing address and payment method, and your subscriptions: cloud-hosted homeservers,
        Element One and On-Premise licences.
      </p>
      <p class="status" data-testid="ems-status">
        No EMS account is signed in. Signing in to EMS is not available in this version yet.
      </p>
      <Configured label="EMS server" value={overview?.ems_issuer ?? null} testid="ems-server" />
    </section>
  );
}

export function MatrixPane({ overview }: { overview: AppOverview | null }) {
  return (
    <section class="pane" data-testid="pane-matrix" aria-labelledby="pane-matrix-title">
      <h2 id="pane-matrix-title">Matrix accounts</h2>
      <p>
        Your Matrix account lives on a homeserver and is what you use in any Matrix client to
        message people, make calls and join rooms.
      </p>
      <p class="status" data-testid="matrix-status">
        No Matrix account is signed in. Signing in to a Matrix account is not available in this
        version yet.
      </p>
      <Configured label="Homeserver" value={overview?.homeserver ?? null} testid="matrix-homeserver" />
    </section>
  );
}

export function SeatsPane() {
  return (
    <section class="pane" data-testid="pane-seats" aria-labelledby="pane-seats-title">
      <h2 id="pane-seats-title">Seats</h2>
      <p class="status" data-testid="seats-status">
        Seats appear here once an EMS account that administers a hosted homeserver is signed in:
        the seats its subscription pays for against the accounts that exist on the homeserver.
      </p>
    </section>
  );
}
