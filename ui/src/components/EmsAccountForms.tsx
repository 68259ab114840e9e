import { useState } from 'preact/hooks';
import {
  emsUpdateBillingAddress,
  emsUpdateDetails,
  toIpcError,
  type Account,
  type BillingAddress,
  type IpcError,
} from '../ipc';
import { ErrorBanner } from './ErrorBanner';
import { bannerError, FieldError } from './FieldError';

interface DetailsProps {
  accountId: string;
  account: Account;
  onSaved: (account: Account) => void;
  onCancel: () => void;
}

const DETAIL_FIELDS = ['name', 'email', 'company', 'company.name', 'company.number', 'company.size'] as const;

const value = (event: Event) => (event.target as HTMLInputElement).value;

/** Edits the personal and company details; the server's field errors sit by their fields. */
export function EmsDetailsForm({ accountId, account, onSaved, onCancel }: DetailsProps) {
  const [name, setName] = useState(account.name);
  const [email, setEmail] = useState(account.email);
  const [company, setCompany] = useState(account.company?.name ?? '');
  const [number, setNumber] = useState(account.company?.number ?? '');
  const [error, setError] = useState<IpcError | null>(null);
  const [busy, setBusy] = useState(false);

  const save = (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const companyDetails =
      company.trim() === ''
        ? null
        : { name: company, number: number.trim() === '' ? null : number, size: account.company?.size ?? null };
    emsUpdateDetails(accountId, { name, email, company: companyDetails })
      .then(onSaved, (e: unknown) => setError(toIpcError(e)))
      .finally(() => setBusy(false));
  };

  const banner = bannerError(error, DETAIL_FIELDS);
  return (
    <form data-testid="ems-details-form" onSubmit={save}>
      {banner && <ErrorBanner error={banner} />}
      <label>
        Name <input data-testid="ems-details-name" value={name} onInput={(e) => setName(value(e))} />
      </label>
      <FieldError error={error} field="name" />
      <label>
        Email <input data-testid="ems-details-email" type="email" value={email} onInput={(e) => setEmail(value(e))} />
      </label>
      <FieldError error={error} field="email" />
      <label>
        Company (leave empty for a private customer){' '}
        <input data-testid="ems-details-company" value={company} onInput={(e) => setCompany(value(e))} />
      </label>
      <FieldError error={error} field="company.name" />
      <label>
        Company registration or VAT number{' '}
        <input data-testid="ems-details-company-number" value={number} onInput={(e) => setNumber(value(e))} />
      </label>
      <FieldError error={error} field="company.number" />
      <button type="submit" data-testid="ems-details-save" disabled={busy}>
        Save
      </button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
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
  const [error, setError] = useState<IpcError | null>(null);
  const [busy, setBusy] = useState(false);
  const optional = (text: string | undefined) => (text === undefined || text.trim() === '' ? null : text);

  const save = (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    emsUpdateBillingAddress(accountId, {
      line1: fields.line1 ?? '',
      line2: optional(fields.line2),
      city: fields.city ?? '',
      region: optional(fields.region),
      postal_code: fields.postal_code ?? '',
      country: fields.country ?? '',
    })
      .then(onSaved, (e: unknown) => setError(toIpcError(e)))
      .finally(() => setBusy(false));
  };

  const banner = bannerError(error, ADDRESS_FIELDS);
  return (
    <form data-testid="ems-billing-form" onSubmit={save}>
      {banner && <ErrorBanner error={banner} />}
      {ADDRESS_FIELDS.map((field) => (
        <div key={field}>
          <label>
            {ADDRESS_LABELS[field]}{' '}
            <input
              data-testid={`ems-billing-${field}`}
              value={fields[field]}
              onInput={(e) => setFields({ ...fields, [field]: value(e) })}
            />
          </label>
          <FieldError error={error} field={field} />
        </div>
      ))}
      <button type="submit" data-testid="ems-billing-save" disabled={busy}>
        Save
      </button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </form>
  );
}
