import type { IpcError } from '../ipc';

interface Props {
  error: IpcError;
  testId?: string;
  /** For the field the error is about to name it in aria-describedby. */
  id?: string | undefined;
}

/** Every error the user sees: role="alert" so assistive tech announces it. */
export function ErrorBanner({ error, testId = 'error', id }: Props) {
  return (
    <div class="error" role="alert" id={id} data-testid={testId} data-code={error.code}>
      {error.message}
    </div>
  );
}
