import type { IpcError } from '../ipc';

/** Every error the user sees: role="alert" so assistive tech announces it. */
export function ErrorBanner({ error }: { error: IpcError }) {
  return (
    <div class="error" role="alert" data-testid="error" data-code={error.code}>
      {error.message}
    </div>
  );
}
