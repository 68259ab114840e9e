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
