import type { AppOverview } from '../ipc';
import { Configured } from './Configured';

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
