/** One RPC call's environment: who, with which context, at which time. */
export interface CallEnv {
  uid: number;
  /** undefined for the superuser (no access checks) */
  groups: ReadonlySet<string> | undefined;
  companyId: number;
  context: Record<string, unknown>;
  /** one timestamp per call, like a PostgreSQL transaction's now() */
  stamp: string;
}
