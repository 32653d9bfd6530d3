import { userError } from '../exceptions.js';

/**
 * A small stand-in for the phonenumbers library behind Odoo's phone_validation: calling code,
 * possible lengths (too short / too long) and valid lengths plus leading digits (otherwise
 * "probably incorrect prefix"), with Odoo's UserError texts.
 */
interface CountryPlan {
  /** national number lengths accepted as "possible" */
  possible: [number, number];
  /** national number lengths of valid numbers */
  valid: number[];
  /** first national digit of a valid number */
  leading: RegExp;
}

const plan = (min: number, max: number, valid: number[], leading = /^[1-9]/): CountryPlan => ({ possible: [min, max], valid, leading });

const PLANS: Record<string, CountryPlan> = {
  '1': { possible: [7, 10], valid: [10], leading: /^[2-9]\d\d[2-9]/ },
  '7': plan(10, 10, [10]),
  '20': plan(8, 10, [9, 10]),
  '27': plan(9, 9, [9]),
  '30': plan(10, 10, [10]),
  '31': plan(9, 9, [9]),
  '33': plan(9, 9, [9]),
  '34': plan(9, 9, [9]),
  '39': plan(6, 11, [9, 10]),
  '41': plan(9, 9, [9]),
  '43': plan(4, 13, [10, 11]),
  '44': plan(7, 10, [10]),
  '45': plan(8, 8, [8]),
  '46': plan(7, 13, [9]),
  '47': plan(8, 8, [8]),
  '48': plan(9, 9, [9]),
  '49': plan(6, 13, [10, 11]),
  '51': plan(8, 9, [9]),
  '52': plan(10, 10, [10]),
  '54': plan(10, 11, [10]),
  '55': plan(10, 11, [10, 11]),
  '56': plan(9, 9, [9]),
  '57': plan(10, 10, [10]),
  '58': plan(10, 10, [10]),
  '60': plan(8, 10, [9, 10]),
  '61': plan(9, 9, [9]),
  '62': plan(9, 12, [10, 11]),
  '63': plan(10, 10, [10]),
  '64': plan(8, 10, [9]),
  '65': plan(8, 8, [8]),
  '66': plan(8, 9, [9]),
  '81': plan(10, 10, [10]),
  '84': plan(9, 10, [9]),
  '86': plan(11, 11, [11]),
  '90': plan(10, 10, [10]),
  '91': plan(10, 10, [10]),
  '92': plan(10, 10, [10]),
  '93': plan(9, 9, [9]),
  '94': plan(9, 9, [9]),
  '95': plan(8, 10, [9]),
  '98': plan(10, 10, [10]),
  '211': plan(9, 9, [9]),
  '212': plan(9, 9, [9]),
  '213': plan(9, 9, [9]),
  '216': plan(8, 8, [8]),
  '221': plan(9, 9, [9]),
  '225': plan(10, 10, [10]),
  '229': plan(8, 10, [10]),
  '233': plan(9, 9, [9]),
  '234': plan(8, 10, [10]),
  '237': plan(9, 9, [9]),
  '243': plan(9, 9, [9]),
  '250': plan(9, 9, [9]),
  '251': plan(9, 9, [9]),
  '252': plan(7, 9, [8, 9]),
  '254': plan(9, 9, [9]),
  '255': plan(9, 9, [9]),
  '256': plan(9, 9, [9]),
  '257': plan(8, 8, [8]),
  '258': plan(9, 9, [9]),
  '260': plan(9, 9, [9]),
  '261': plan(9, 9, [9]),
  '263': plan(9, 9, [9]),
  '265': plan(9, 9, [9]),
  '509': plan(8, 8, [8]),
  '880': plan(10, 10, [10]),
  '961': plan(7, 8, [8]),
  '962': plan(8, 9, [9]),
  '964': plan(10, 10, [10]),
  '966': plan(9, 9, [9]),
  '971': plan(8, 9, [9]),
  '977': plan(8, 10, [10]),
};

export interface ParsedPhone {
  e164: string;
}

/** Validates an international number and returns its E.164 form (phone_sanitized). */
export function sanitizePhone(number: string): ParsedPhone {
  const compact = number.replace(/[\s().\-/]/g, '');
  if (!compact.startsWith('+')) {
    throw userError(`Unable to parse ${number}: (0) Missing or invalid default region.`);
  }
  const digits = compact.slice(1);
  if (!/^\d+$/.test(digits) || digits.length < 2) {
    throw userError(`Unable to parse ${number}: (1) The string supplied did not seem to be a phone number.`);
  }
  const code = [1, 2, 3].map((length) => digits.slice(0, length)).find((prefix) => PLANS[prefix]);
  if (!code) throw userError(`Unable to parse ${number}: (0) Country calling code supplied was not recognised.`);
  const national = digits.slice(code.length);
  const country = PLANS[code]!;
  if (national.length < country.possible[0]) throw userError(`Impossible number ${number}: not enough digits.`);
  if (national.length > country.possible[1]) throw userError(`Impossible number ${number}: too many digits.`);
  if (!country.valid.includes(national.length) || !country.leading.test(national)) {
    throw userError(`Invalid number ${number}: probably incorrect prefix.`);
  }
  return { e164: `+${code}${national}` };
}
