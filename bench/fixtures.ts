// The bench's own customers and phone-app devices. Customers are enrolled through the admin API
// (POST /admin/customers), devices through POST /admin/customers/{id}/devices with keys made by
// src/crypto/device-signature.ts, exactly as an operator and the phone app would; only their ledger
// accounts are written directly (bench/seed.ts, through the ledger store, as `npm run demo` does).
import { generateDeviceKeyPair, importDevicePrivateKey } from '../src/crypto/device-signature.js';
import type { SeedAccount } from '../src/store/ledger.js';
import { pool, type HttpClient } from './lib/http.js';

/** Initiations with this agent id get the bench-write-path policy (bench/policies/). */
export const BENCH_POLICY_AGENT = 'bench_write_path';
export const BENCH_AGENT = 'agent_bench';
export const CALLED_NUMBER = '+18005550100';

export interface BenchCustomer {
  id: string;
  phone: string;
  memberId: string;
  accounts: SeedAccount[];
}

export function benchCustomer(i: number): BenchCustomer {
  const n = String(i).padStart(4, '0');
  return {
    id: `bench-c${n}`,
    phone: `+1202555${n}`,
    memberId: `B${700000 + i}`,
    accounts: [
      { ref: `CHK-7${n}-0001`, kind: 'checking', balanceCents: 245_000 + i },
      { ref: `SAV-7${n}-0002`, kind: 'savings', balanceCents: 810_000 + i },
      { ref: `CRD-7${n}-0003`, kind: 'card', balanceCents: -31_240, cardLimitCents: 500_000 },
    ],
  };
}

/** Enrols customers `from` … `n - 1` (the array holds them at their index). */
export async function enrolCustomers(client: HttpClient, adminToken: string, n: number, from = 0, concurrency = 16): Promise<BenchCustomer[]> {
  const out: BenchCustomer[] = [];
  await pool(n - from, Math.min(16, concurrency), async (k) => {
    const i = from + k;
    const c = benchCustomer(i);
    const res = await client.json('POST', '/admin/customers', {
      bearer: adminToken,
      body: {
        customer_id: c.id,
        display_name: `Bench Customer ${i}`,
        phones: [c.phone],
        email: `bench${i}@example.com`,
        account_refs: [c.memberId, ...c.accounts.map((a) => a.ref)],
        kba: [{ id: 'last-deposit', level: 'advanced', question: 'What was the amount of your last deposit, in whole dollars?', answer: String(1000 + i) }],
      },
    });
    if (res.status !== 201) throw new Error(`enrol ${c.id}: ${res.status} ${res.text.slice(0, 200)}`);
    out[i] = c;
  });
  return out;
}

export interface BenchDevice {
  deviceId: string;
  customer: BenchCustomer;
  key: CryptoKey;
  /** Confirms spent in the current rate-limit minute (the server allows 20 per device per minute). */
  used: number;
}

/** One device for each of the first `n` customers. */
export async function enrolDevices(client: HttpClient, adminToken: string, customers: BenchCustomer[], n: number, concurrency = 8): Promise<BenchDevice[]> {
  const out: BenchDevice[] = [];
  await pool(n, Math.min(8, concurrency), async (i) => {
    const customer = customers[i]!;
    const { publicJwk, privateJwk } = await generateDeviceKeyPair();
    const deviceId = `bench-phone-${String(i).padStart(4, '0')}`;
    const res = await client.json('POST', `/admin/customers/${customer.id}/devices`, {
      bearer: adminToken,
      body: { device_id: deviceId, public_key_jwk: publicJwk },
    });
    if (res.status !== 201) throw new Error(`enrol device ${deviceId}: ${res.status} ${res.text.slice(0, 200)}`);
    out[i] = { deviceId, customer, key: await importDevicePrivateKey(privateJwk), used: 0 };
  });
  return out;
}
