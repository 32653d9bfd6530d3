/**
 * read_group buckets of date and datetime fields (Odoo 17: default granularity month), with
 * the labels Babel gives in en_US and the [from, to) range Odoo puts in __range and __domain.
 */
export const GRANULARITIES = ['day', 'week', 'month', 'quarter', 'year'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const SHORT_MONTHS = MONTHS.map((m) => m.slice(0, 3));

export interface DateBucket {
  /** first day of the bucket, "YYYY-MM-DD" (also the sort key) */
  from: string;
  /** first day after the bucket */
  to: string;
  label: string;
}

const fmt = (d: Date) => d.toISOString().slice(0, 10);

function isoWeek(date: Date): [number, number] {
  const thursday = new Date(date);
  thursday.setUTCDate(date.getUTCDate() + 3 - ((date.getUTCDay() + 6) % 7));
  const firstThursday = new Date(Date.UTC(thursday.getUTCFullYear(), 0, 4));
  const week = 1 + Math.round(((thursday.getTime() - firstThursday.getTime()) / 86400000 - 3 + ((firstThursday.getUTCDay() + 6) % 7)) / 7);
  return [week, thursday.getUTCFullYear()];
}

export function dateBucket(value: string, granularity: Granularity): DateBucket {
  const [y, m, d] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
  switch (granularity) {
    case 'day': {
      const from = new Date(Date.UTC(y, m - 1, d));
      return { from: fmt(from), to: fmt(new Date(Date.UTC(y, m - 1, d + 1))), label: `${String(d).padStart(2, '0')} ${SHORT_MONTHS[m - 1]} ${y}` };
    }
    case 'week': {
      const date = new Date(Date.UTC(y, m - 1, d));
      const monday = new Date(Date.UTC(y, m - 1, d - ((date.getUTCDay() + 6) % 7)));
      const [week, year] = isoWeek(date);
      return { from: fmt(monday), to: fmt(new Date(monday.getTime() + 7 * 86400000)), label: `W${week} ${year}` };
    }
    case 'month':
      return { from: fmt(new Date(Date.UTC(y, m - 1, 1))), to: fmt(new Date(Date.UTC(y, m, 1))), label: `${MONTHS[m - 1]} ${y}` };
    case 'quarter': {
      const q = Math.floor((m - 1) / 3);
      return { from: fmt(new Date(Date.UTC(y, q * 3, 1))), to: fmt(new Date(Date.UTC(y, q * 3 + 3, 1))), label: `Q${q + 1} ${y}` };
    }
    case 'year':
      return { from: `${y}-01-01`, to: `${y + 1}-01-01`, label: String(y) };
  }
}
