import type { IpcError } from '../ipc';

/** Every error the user sees: role="alert" so assistive tech announces it. */
export function ErrorBanner({ error, testId = 'error' }: { error: IpcError; testId?: string }) {
  return (
    <div class="error" role="alert" data-testid={testId} data-code={error.code}>
      {error.message}
    </div>
  );
}
