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

interface TextFieldProps {
  label: string;
  testId: string;
  value: string | undefined;
  onValue: (value: string) => void;
  type?: 'text' | 'number';
  min?: number;
  placeholder?: string;
  /** A line under the input about what to type. */
  hint?: string;
  /** The form's error, shown here when it belongs to `field`. */
  error: IpcError | null;
  field: string;
}

/** A labelled input with its hint and, when the server refused it, its error. */
export function TextField({ label, testId, value, onValue, type, min, placeholder, hint, error, field }: TextFieldProps) {
  return (
    <div>
      <label>
        {label}{' '}
        <input
          data-testid={testId}
          type={type}
          min={min}
          placeholder={placeholder}
          value={value}
          onInput={(e) => onValue(e.currentTarget.value)}
        />
      </label>
      {hint && <p class="hint">{hint}</p>}
      <FieldError error={error} field={field} />
    </div>
  );
}
