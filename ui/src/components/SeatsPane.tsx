import { useEffect, useMemo, useState } from 'preact/hooks';
import { seatsSubscriptions, toIpcError, type AppOverview, type IpcError, type SeatSubscription, type SubscriptionLink } from '../ipc';
import { ErrorBanner } from './ErrorBanner';
import { SeatsDialogContext } from './SeatsConfirm';
import { SeatsSubscription } from './SeatsSubscription';
import { Progress } from './Progress';

interface Props {
  /** The accounts on this computer: the subscriptions are fetched again when they change. */
  overview: AppOverview | null;
  /** Opens the Matrix pane's sign-in at this homeserver, for an account linked to the subscription. */
  onOpenMatrix: (homeserver: string, link: SubscriptionLink, admin: boolean) => void;
}

const keyOf = (s: SeatSubscription) => `${s.ems_account}\n${s.subscription_id}`;

/** The seats paid for each hosted homeserver against its accounts, and the users behind them. */
export function SeatsPane({ overview, onOpenMatrix }: Props) {
  const [subscriptions, setSubscriptions] = useState<SeatSubscription[] | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const [chosen, setChosen] = useState<string | null>(null);
  const [openDialog, setOpenDialog] = useState<string | null>(null);
  const dialogSlot = useMemo(() => ({ open: openDialog, setOpen: setOpenDialog }), [openDialog]);

  const load = (): Promise<void> =>
    seatsSubscriptions().then(
      (list) => {
        setSubscriptions(Array.isArray(list) ? list : []);
        setError(null);
      },
      (e: unknown) => setError(toIpcError(e)),
    );

  useEffect(() => {
    load();
  }, [overview]);

  const administered = subscriptions?.filter((s) => s.admin !== null) ?? [];
  const selected = administered.find((s) => keyOf(s) === chosen) ?? administered[0] ?? null;

  return (
    <SeatsDialogContext.Provider value={dialogSlot}>
      <section class="pane" data-testid="pane-seats" aria-labelledby="pane-seats-title">
        <h2 id="pane-seats-title">Seats</h2>
        <p>
          The seats each hosted homeserver subscription of your EMS account pays for, against the accounts that exist on
          the homeserver, and the users and registration tokens behind them.
        </p>
        {error && <ErrorBanner error={error} testId="seats-error" />}
        {subscriptions === null && error === null && <Progress>Asking EMS for the hosted homeserver subscriptions…</Progress>}
        {subscriptions !== null && subscriptions.length === 0 && (
          <p class="status" data-testid="seats-status">
            Seats appear here once an EMS account that administers a hosted homeserver is signed in: the seats its
            subscription pays for against the accounts that exist on the homeserver.
          </p>
        )}
        {administered.length > 1 && selected && (
          <label class="seats-select">
            Users and registration tokens of{' '}
            <select
              data-testid="seats-subscription-select"
              value={keyOf(selected)}
              onChange={(e) => setChosen(e.currentTarget.value)}
            >
              {administered.map((s) => (
                <option key={keyOf(s)} value={keyOf(s)}>
                  {s.server_name} ({s.ems_label})
                </option>
              ))}
            </select>
          </label>
        )}
        {subscriptions?.map((s) => (
          <SeatsSubscription
            key={keyOf(s)}
            subscription={s}
            selected={selected !== null && keyOf(s) === keyOf(selected)}
            onOpenMatrix={onOpenMatrix}
            onSubscriptionChanged={load}
          />
        ))}
      </section>
    </SeatsDialogContext.Provider>
  );
}
