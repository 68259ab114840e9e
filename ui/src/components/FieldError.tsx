import { useId } from 'preact/hooks';
import type { IpcError } from '../ipc';
import { fieldError } from '../useAction';

interface Props {
  error: IpcError | null;
  field: string;
  /** On a line of its own, where the form's fields flow inline. */
  block?: boolean;
  /** The id its input names in aria-describedby (see `invalidProps`). */
  id?: string | undefined;
}

/** The id of `field`'s error within the form whose ids start with `base` (from useId). */
export const errorIdOf = (base: string, field: string) => `${base}-${field.replace(/[^A-Za-z0-9_-]/g, '-')}-error`;

/**
 * The input's side of a field error: aria-invalid, and aria-describedby naming the error (and the
 * hint, when it has one), so that a screen reader reads the error with the field.
 */
export function invalidProps(error: IpcError | null, field: string, errorId: string, hintId?: string) {
  const invalid = fieldError(error, field) !== null;
  const described = [invalid ? errorId : null, hintId ?? null].filter((id) => id !== null).join(' ');
  return {
    'aria-invalid': invalid ? ('true' as const) : undefined,
    'aria-describedby': described === '' ? undefined : described,
  };
}

/** The error for one field, shown next to it (only when the error belongs to that field). */
export function FieldError({ error, field, block = false, id }: Props) {
  const shown = fieldError(error, field);
  if (!shown) return null;
  const Tag = block ? 'div' : 'span';
  return (
    <Tag class="error field-error" role="alert" id={id} data-testid="error" data-field={field} data-code={shown.code}>
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
  const base = useId();
  const errorId = errorIdOf(base, field);
  const hintId = hint ? `${base}-hint` : undefined;
  return (
    <div>
      <label>
        {label}{' '}
        <input
          data-testid={testId}
          {...invalidProps(error, field, errorId, hintId)}
          type={type}
          min={min}
          placeholder={placeholder}
          value={value}
          onInput={(e) => onValue(e.currentTarget.value)}
        />
      </label>
      {hint && (
        <p class="hint" id={hintId}>
          {hint}
        </p>
      )}
      <FieldError error={error} field={field} id={errorId} />
    </div>
  );
}
