import { useId, useState } from 'preact/hooks';
import { emsUpdateBillingAddress, emsUpdateDetails, type Account, type BillingAddress } from '../ipc';
import { bannerError, useAction } from '../useAction';
import { ErrorBanner } from './ErrorBanner';
import { Spinner } from './Progress';
import { errorIdOf, FieldError, invalidProps, TextField } from './FieldError';

interface DetailsProps {
  accountId: string;
  account: Account;
  onSaved: (account: Account) => void;
  onCancel: () => void;
}

const DETAIL_FIELDS = ['name', 'email', 'company', 'company.name', 'company.number', 'company.size'] as const;

const value = (event: Event) => (event.target as HTMLInputElement).value;

/** Both forms end the same way: Save, disabled while saving, and Cancel. */
function SaveOrCancel({ testId, busy, onCancel }: { testId: string; busy: boolean; onCancel: () => void }) {
  return (
    <>
      <button type="submit" data-testid={testId} disabled={busy} aria-busy={busy}>
        {busy && <Spinner />}
        Save
      </button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </>
  );
}

/** Edits the personal and company details; the server's field errors sit by their fields. */
export function EmsDetailsForm({ accountId, account, onSaved, onCancel }: DetailsProps) {
  const [name, setName] = useState(account.name);
  const [email, setEmail] = useState(account.email);
  const [company, setCompany] = useState(account.company?.name ?? '');
  const [number, setNumber] = useState(account.company?.number ?? '');
  const { busy, error, run } = useAction();
  const ids = useId();

  const save = (event: Event) => {
    event.preventDefault();
    const companyDetails =
      company.trim() === ''
        ? null
        : { name: company, number: number.trim() === '' ? null : number, size: account.company?.size ?? null };
    run(() => emsUpdateDetails(accountId, { name, email, company: companyDetails }), { done: onSaved });
  };

  const banner = bannerError(error, DETAIL_FIELDS);
  return (
    <form data-testid="ems-details-form" onSubmit={save}>
      {banner && <ErrorBanner error={banner} />}
      <label>
        Name <input data-testid="ems-details-name" {...invalidProps(error, 'name', errorIdOf(ids, 'name'))} value={name} onInput={(e) => setName(value(e))} />
      </label>
      <FieldError error={error} field="name" id={errorIdOf(ids, 'name')} />
      <label>
        Email <input data-testid="ems-details-email" {...invalidProps(error, 'email', errorIdOf(ids, 'email'))} type="email" value={email} onInput={(e) => setEmail(value(e))} />
      </label>
      <FieldError error={error} field="email" id={errorIdOf(ids, 'email')} />
      <label>
        Company (leave empty for a private customer){' '}
        <input data-testid="ems-details-company" {...invalidProps(error, 'company.name', errorIdOf(ids, 'company.name'))} value={company} onInput={(e) => setCompany(value(e))} />
      </label>
      <FieldError error={error} field="company.name" id={errorIdOf(ids, 'company.name')} />
      <label>
        Company registration or VAT number{' '}
        <input data-testid="ems-details-company-number" {...invalidProps(error, 'company.number', errorIdOf(ids, 'company.number'))} value={number} onInput={(e) => setNumber(value(e))} />
      </label>
      <FieldError error={error} field="company.number" id={errorIdOf(ids, 'company.number')} />
      <SaveOrCancel testId="ems-details-save" busy={busy} onCancel={onCancel} />
    </form>
  );
}

interface BillingProps {
  accountId: string;
  address: BillingAddress | null;
  onSaved: (address: BillingAddress) => void;
  onCancel: () => void;
}

const ADDRESS_FIELDS = ['line1', 'line2', 'city', 'region', 'postal_code', 'country'] as const;
const ADDRESS_LABELS: Record<(typeof ADDRESS_FIELDS)[number], string> = {
  line1: 'Address line 1',
  line2: 'Address line 2 (optional)',
  city: 'City',
  region: 'State, county or region (optional)',
  postal_code: 'Postal code',
  country: 'Country (two-letter code, such as GB)',
};

/** Edits the billing address; the server's field errors sit by their fields. */
export function EmsBillingForm({ accountId, address, onSaved, onCancel }: BillingProps) {
  const [fields, setFields] = useState<Record<string, string>>({
    line1: address?.line1 ?? '',
    line2: address?.line2 ?? '',
    city: address?.city ?? '',
    region: address?.region ?? '',
    postal_code: address?.postal_code ?? '',
    country: address?.country ?? '',
  });
  const { busy, error, run } = useAction();
  const optional = (text: string | undefined) => (text === undefined || text.trim() === '' ? null : text);

  const save = (event: Event) => {
    event.preventDefault();
    const address = {
      line1: fields.line1 ?? '',
      line2: optional(fields.line2),
      city: fields.city ?? '',
      region: optional(fields.region),
      postal_code: fields.postal_code ?? '',
      country: fields.country ?? '',
    };
    run(() => emsUpdateBillingAddress(accountId, address), { done: onSaved });
  };

  const banner = bannerError(error, ADDRESS_FIELDS);
  return (
    <form data-testid="ems-billing-form" onSubmit={save}>
      {banner && <ErrorBanner error={banner} />}
      {ADDRESS_FIELDS.map((field) => (
        <TextField
          key={field}
          label={ADDRESS_LABELS[field]}
          testId={`ems-billing-${field}`}
          value={fields[field]}
          onValue={(typed) => setFields({ ...fields, [field]: typed })}
          error={error}
          field={field}
        />
      ))}
      <SaveOrCancel testId="ems-billing-save" busy={busy} onCancel={onCancel} />
    </form>
  );
}
