import type { IpcError } from '../ipc';
import { fieldError } from '../useAction';

interface Props {
  error: IpcError | null;
  field: string;
  /** On a line of its own, where the form's fields flow inline. */
  block?: boolean;
}

/** The error for one field, shown next to it (only when the error belongs to that field). */
export function FieldError({ error, field, block = false }: Props) {
  const shown = fieldError(error, field);
  if (!shown) return null;
  const Tag = block ? 'div' : 'span';
  return (
    <Tag class="error field-error" role="alert" data-testid="error" data-field={field} data-code={shown.code}>
      {shown.message}
    </Tag>
  );
}
