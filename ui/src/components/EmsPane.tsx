import type { AppOverview } from '../ipc';
import { Configured } from './Configured';

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
