import type { PoolClient } from 'pg';
import { Prng } from '../../src/sim/seed/prng.js';
import { FAMILY_NAMES, GIVEN_NAMES_FEMALE, GIVEN_NAMES_MALE, OCCUPATIONS } from '../../src/sim/seed/reference.js';

/** The records Odoo's ORM made once; every bulk row is a copy of one of them with its own values. */
export interface Templates {
  individual: number;
  group: number;
  regId: number;
  phone: number;
  membership: number;
}

/** Reference rows the seeded registry points at, looked up (or made) through the ORM. */
export interface Reference {
  nationalId: number;
  passport: number;
  household: number;
  family: number;
  head: number;
  spouse: number;
  child: number;
  member: number;
  districts: number[];
}

export interface BulkPlan {
  individuals: number;
  households: number;
  seed: number;
}

export interface BulkResult {
  individualIds: { first: number; last: number };
  groupIds: { first: number; last: number };
  inHouseholds: number;
  steps: Array<{ step: string; rows: number; ms: number }>;
}

/**
 * Household sizes (1 to 8, about four on average) that add up to the individuals asked for when
 * they fit; individuals beyond eight per household stay outside any household.
 */
export function householdSizes(plan: BulkPlan): number[] {
  const prng = new Prng(plan.seed);
  const sizes = Array.from({ length: plan.households }, () => prng.int(1, 7));
  let total = sizes.reduce((a, b) => a + b, 0);
  const target = Math.min(plan.individuals, plan.households * 8);
  for (let h = 0; total !== target; h = (h + 1) % sizes.length) {
    if (total < target && sizes[h]! < 8) {
      sizes[h]! += 1;
      total += 1;
    } else if (total > target && sizes[h]! > 1) {
      sizes[h]! -= 1;
      total -= 1;
    }
  }
  return sizes;
}

// A uniform number in [0, 1) from a row number and a salt: the same seed gives the same registry.
const U = (key: string, salt: number, seed: number) => `((hashint8extended(${key}::bigint, ${seed * 100 + salt}) & 1073741823)::float8 / 1073741824)`;
const pickFrom = (array: string, u: string) => `(${array})[1 + floor(${u} * cardinality(${array}))::int]`;

const DATE = (year: string, key: string, salt: number, seed: number) =>
  `make_date(${year}, 1 + floor(${U(key, salt, seed)} * 12)::int, 1 + floor(${U(key, salt + 1, seed)} * 28)::int)`;
const YEAR = (from: number, to: number, key: string, salt: number, seed: number) => `(${from} + floor(${U(key, salt, seed)} * ${to - from + 1})::int)`;

async function columnsOf(db: PoolClient, table: string): Promise<string[]> {
  const { rows } = await db.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position`,
    [table],
  );
  return rows.map((r) => r.column_name);
}

/**
 * INSERT ... SELECT that copies the template row for every source row, taking each column from
 * `values` when given there and from the ORM-made template otherwise: whatever Odoo sets on a
 * create (company, language, partner type, commercial partner, flags) is then the same.
 */
async function cloneInsert(db: PoolClient, table: string, template: number, source: string, values: Record<string, string>): Promise<number> {
  const columns = (await columnsOf(db, table)).filter((c) => c !== 'id' || 'id' in values);
  const unknown = Object.keys(values).filter((c) => !columns.includes(c));
  if (unknown.length) throw new Error(`${table} has no column ${unknown.join(', ')}: is this an Odoo 17 with OpenG2P's registry modules?`);
  const select = columns.map((c) => (c in values ? `${values[c]}` : `t."${c}"`));
  const sql = `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) SELECT ${select.join(', ')} FROM ${source} CROSS JOIN (SELECT * FROM "${table}" WHERE id = ${template}) t`;
  try {
    return (await db.query(sql)).rowCount ?? 0;
  } catch (err) {
    throw new Error(`copying ${table} failed: ${err instanceof Error ? err.message : String(err)}\n${sql}`, { cause: err });
  }
}

/**
 * Writes the registry straight into Odoo's tables, in one transaction: individuals with their
 * IDs and phone numbers, households with their members and one Head each. Row ids are reserved
 * from Odoo's own sequences, so later ORM creates continue after them.
 */
export async function bulkInsert(db: PoolClient, plan: BulkPlan, reference: Reference, templates: Templates): Promise<BulkResult> {
  const steps: BulkResult['steps'] = [];
  const step = async (name: string, run: () => Promise<number>) => {
    const started = performance.now();
    const rows = await run();
    steps.push({ step: name, rows, ms: Math.round(performance.now() - started) });
  };
  const s = plan.seed;
  const sizes = householdSizes(plan);
  const firsts: number[] = [];
  let inHouseholds = 0;
  for (const size of sizes) {
    firsts.push(inHouseholds);
    inHouseholds += size;
  }

  await db.query('SET LOCAL synchronous_commit = off');
  await db.query('SET LOCAL max_parallel_workers_per_gather = 0');
  await db.query('LOCK TABLE res_partner, g2p_reg_id, g2p_phone_number, g2p_group_membership IN SHARE ROW EXCLUSIVE MODE');
  const reserve = async (sequence: string, count: number) => {
    const { rows } = await db.query<{ first: string }>(`SELECT nextval($1::regclass) AS first`, [sequence]);
    const first = Number(rows[0]!.first);
    await db.query(`SELECT setval($1::regclass, $2)`, [sequence, first + count]);
    return first;
  };
  const firstPartner = await reserve('res_partner_id_seq', plan.individuals + plan.households);
  const firstGroup = firstPartner + plan.individuals;
  const firstMembership = await reserve('g2p_group_membership_id_seq', inHouseholds);

  await step('plan', async () => {
    await db.query(`CREATE TEMP TABLE seed_household ON COMMIT DROP AS SELECT * FROM unnest($1::int[], $2::int[], $3::int[]) AS x(h, size, first)`, [
      sizes.map((_, h) => h),
      sizes,
      firsts,
    ]);
    const householdOf = `SELECT h, first + k AS i, k AS pos FROM seed_household, generate_series(0, size - 1) k
      UNION ALL SELECT NULL, i, NULL FROM generate_series(${inHouseholds}, ${plan.individuals - 1}) i`;
    const registered = `CASE WHEN m.h IS NULL THEN ${DATE(YEAR(1990, 2024, 'm.i', 1, s), 'm.i', 2, s)} ELSE ${DATE(YEAR(1990, 2024, 'm.h', 1, s), 'm.h', 2, s)} END`;
    const role = `CASE WHEN m.pos = 0 THEN 'head' WHEN m.pos = 1 AND ${U('m.h', 4, s)} < 0.7 THEN 'spouse' WHEN m.pos IS NOT NULL AND ${U('m.i', 5, s)} < 0.85 THEN 'child' ELSE 'member' END`;
    await db.query(`CREATE TEMP TABLE seed_person ON COMMIT DROP AS
      SELECT m.i, m.h, m.pos, ${firstPartner} + m.i AS id, ${firstMembership} + m.i AS membership_id, ${role} AS role,
             ${registered} AS registered, coalesce(m.h, m.i) AS family_key,
             CASE WHEN ${U('coalesce(m.h, -1 - m.i)', 6, s)} < 0.6 THEN 'Male' ELSE 'Female' END AS head_gender
      FROM (${householdOf}) m`);
    await db.query(`ALTER TABLE seed_person ADD COLUMN gender text, ADD COLUMN birthdate date, ADD COLUMN adult boolean`);
    await db.query(`UPDATE seed_person SET
      gender = CASE WHEN ${U('i', 7, s)} < 0.03 THEN NULL
                    WHEN role = 'head' THEN head_gender
                    WHEN role = 'spouse' THEN CASE head_gender WHEN 'Male' THEN 'Female' ELSE 'Male' END
                    WHEN ${U('i', 8, s)} < 0.5 THEN 'Male' ELSE 'Female' END,
      birthdate = CASE role WHEN 'head' THEN ${DATE(YEAR(1950, 1998, 'i', 9, s), 'i', 10, s)}
                            WHEN 'spouse' THEN ${DATE(YEAR(1955, 2000, 'i', 9, s), 'i', 10, s)}
                            WHEN 'child' THEN ${DATE(YEAR(2004, 2023, 'i', 9, s), 'i', 10, s)}
                            ELSE ${DATE(YEAR(1940, 2000, 'i', 9, s), 'i', 10, s)} END`);
    await db.query(`UPDATE seed_person SET adult = birthdate < DATE '2006-01-01'`);
    return plan.individuals;
  });

  const nowUtc = `(now() AT TIME ZONE 'UTC')`;
  // Created on its registration day, last written at some time between then and now.
  const created = (key: string, registration: string, salt: number) =>
    `(${registration}::timestamp + make_interval(secs => floor(${U(key, salt, s)} * 86399)::int))`;
  const written = (key: string, createdAt: string, salt: number) => `(${createdAt} + (${nowUtc} - ${createdAt}) * ${U(key, salt, s)})`;
  const params = {
    families: `ARRAY[${FAMILY_NAMES.map(literal).join(', ')}]::text[]`,
    female: `ARRAY[${GIVEN_NAMES_FEMALE.map(literal).join(', ')}]::text[]`,
    male: `ARRAY[${GIVEN_NAMES_MALE.map(literal).join(', ')}]::text[]`,
    occupations: `ARRAY[${OCCUPATIONS.filter((o): o is string => typeof o === 'string' && o !== 'Student')
      .map(literal)
      .join(', ')}]::text[]`,
    districts: `ARRAY[${reference.districts.join(', ')}]::int[]`,
  };

  await step('individuals', async () => {
    const family = pickFrom(params.families, U('p.family_key', 11, s));
    const given = `CASE WHEN p.gender = 'Male' THEN ${pickFrom(params.male, U('p.i', 12, s))} ELSE ${pickFrom(params.female, U('p.i', 12, s))} END`;
    const registration = 'greatest(p.registered, p.birthdate)';
    const name = `upper(${family}) || ', ' || upper(${given})`;
    const createdAt = created('p.i', registration, 13);
    return cloneInsert(db, 'res_partner', templates.individual, 'seed_person p', {
      id: 'p.id',
      commercial_partner_id: 'p.id',
      name,
      complete_name: name,
      family_name: family,
      given_name: given,
      gender: 'p.gender',
      birthdate: 'p.birthdate',
      registration_date: registration,
      district: pickFrom(params.districts, U('p.family_key', 14, s)),
      occupation: `CASE WHEN p.adult THEN ${pickFrom(params.occupations, U('p.i', 15, s))} ELSE 'Student' END`,
      civil_status: `CASE WHEN p.role IN ('head', 'spouse') AND ${U('p.h', 16, s)} < 0.8 THEN 'married' ELSE 'single' END`,
      income: `CASE WHEN p.adult AND ${U('p.i', 17, s)} < 0.6 THEN round((${U('p.i', 18, s)} * 500000)::numeric) / 100 END`,
      active: `${U('p.i', 19, s)} >= 0.02`,
      create_date: createdAt,
      write_date: written('p.i', createdAt, 20),
    });
  });

  await step('national IDs', async () => {
    // i -> i * 7919 mod 999999999 is one-to-one below the modulus, so every value is unique.
    const createdAt = created('p.i', 'greatest(p.registered, p.birthdate)', 13);
    return cloneInsert(db, 'g2p_reg_id', templates.regId, `(SELECT * FROM seed_person WHERE adult OR ${U('i', 21, s)} < 0.3) p`, {
      partner_id: 'p.id',
      id_type: String(reference.nationalId),
      value: `'8' || lpad(((p.i::bigint * 7919) % 999999999)::text, 9, '0')`,
      status: `'valid'`,
      expiry_date: 'NULL',
      create_date: createdAt,
      write_date: createdAt,
    });
  });

  await step('passports', async () => {
    const createdAt = created('p.i', 'greatest(p.registered, p.birthdate)', 13);
    return cloneInsert(db, 'g2p_reg_id', templates.regId, `(SELECT * FROM seed_person WHERE adult AND ${U('i', 22, s)} < 0.15) p`, {
      partner_id: 'p.id',
      id_type: String(reference.passport),
      value: `'P' || lpad(((p.i::bigint * 7919) % 99999989)::text, 8, '0')`,
      status: `'valid'`,
      expiry_date: `greatest(p.registered, p.birthdate) + 3650`,
      create_date: createdAt,
      write_date: createdAt,
    });
  });

  await step('phone numbers', async () => {
    const createdAt = created('p.i', 'greatest(p.registered, p.birthdate)', 13);
    const phone = `'+2547' || lpad(((p.i::bigint * 7907) % 99999989)::text, 8, '0')`;
    return cloneInsert(db, 'g2p_phone_number', templates.phone, `(SELECT * FROM seed_person WHERE adult AND ${U('i', 23, s)} < 0.8) p`, {
      partner_id: 'p.id',
      phone_no: phone,
      phone_sanitized: phone,
      date_collected: 'greatest(p.registered, p.birthdate)',
      create_date: createdAt,
      write_date: createdAt,
    });
  });

  await step('households', async () => {
    const createdAt = created('g.h', 'g.registered', 24);
    const isHousehold = `${U('g.h', 25, s)} < 0.8`;
    const family = pickFrom(params.families, U('g.h', 11, s));
    const name = `CASE WHEN ${isHousehold} THEN 'Household ' ELSE 'Family ' END || ${family} || ' ' || (g.h + 1)`;
    return cloneInsert(
      db,
      'res_partner',
      templates.group,
      `(SELECT h, min(registered) AS registered, count(*) FILTER (WHERE pos = 0 OR NOT (${U('i', 26, s)} < 0.05)) AS members FROM seed_person WHERE h IS NOT NULL GROUP BY h) g`,
      {
        id: `${firstGroup} + g.h`,
        commercial_partner_id: `${firstGroup} + g.h`,
        name,
        complete_name: name,
        kind: `CASE WHEN ${isHousehold} THEN ${reference.household} ELSE ${reference.family} END`,
        registration_date: 'g.registered',
        district: pickFrom(params.districts, U('g.h', 14, s)),
        active: `${U('g.h', 27, s)} >= 0.01`,
        z_ind_grp_num_individuals: 'g.members',
        create_date: createdAt,
        force_recompute_canary: createdAt,
        write_date: written('g.h', createdAt, 28),
      },
    );
  });

  await step('memberships', async () => {
    // About 5% of the members other than the Head have left their household.
    const ended = `(p.pos > 0 AND ${U('p.i', 26, s)} < 0.05)`;
    const start = created('p.i', 'greatest(p.registered, p.birthdate)', 13);
    const endedAt = `(${start} + (${nowUtc} - ${start}) * ${U('p.i', 29, s)})`;
    const rows = await cloneInsert(db, 'g2p_group_membership', templates.membership, '(SELECT * FROM seed_person WHERE h IS NOT NULL) p', {
      id: 'p.membership_id',
      group: `${firstGroup} + p.h`,
      individual: 'p.id',
      start_date: start,
      ended_date: `CASE WHEN ${ended} THEN ${endedAt} END`,
      is_ended: ended,
      status: `CASE WHEN ${ended} THEN 'inactive' ELSE 'active' END`,
      create_date: start,
      write_date: `CASE WHEN ${ended} THEN ${endedAt} ELSE ${start} END`,
    });
    const kind = `CASE p.role WHEN 'head' THEN ${reference.head} WHEN 'spouse' THEN ${reference.spouse} WHEN 'child' THEN ${reference.child} ELSE ${reference.member} END`;
    await db.query(`INSERT INTO g2p_group_membership_g2p_group_membership_kind_rel (g2p_group_membership_id, g2p_group_membership_kind_id)
      SELECT p.membership_id, ${kind} FROM seed_person p WHERE p.h IS NOT NULL`);
    return rows;
  });

  return {
    individualIds: { first: firstPartner, last: firstPartner + plan.individuals - 1 },
    groupIds: { first: firstGroup, last: firstGroup + plan.households - 1 },
    inHouseholds,
    steps,
  };
}

function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
