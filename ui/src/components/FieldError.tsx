import type { IpcError } from '../ipc';

/** The server's message for one field, shown next to it (only when the error names that field). */
export function FieldError({ error, field }: { error: IpcError | null; field: string }) {
  if (!error || error.field !== field) return null;
  return (
    <span class="error field-error" role="alert" data-testid="error" data-field={field} data-code={error.code}>
      {error.message}
    </span>
  );
}

/** The error for the banner: those that name no field (field errors sit by their field). */
export function bannerError(error: IpcError | null, fields: readonly string[]): IpcError | null {
  if (!error) return null;
  return error.field && fields.includes(error.field) ? null : error;
}
