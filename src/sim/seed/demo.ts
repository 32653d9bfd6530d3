import type { CallEnv } from '../orm/env.js';
import type { Orm } from '../orm/orm.js';
import { Prng } from './prng.js';
import { BANKS, DISTRICTS, FAMILY_NAMES, GIVEN_NAMES_FEMALE, GIVEN_NAMES_MALE, OCCUPATIONS, TAGS } from './reference.js';

const HEAD = 1;
const SPOUSE = 2;
const CHILD = 3;
const MEMBER = 4;
const NATIONAL_ID = 1;

const pad = (n: number) => String(n).padStart(2, '0');

/** A date between two years (inclusive), as "YYYY-MM-DD". */
function dateBetween(prng: Prng, fromYear: number, toYear: number): string {
  return `${prng.int(fromYear, toYear)}-${pad(prng.int(1, 12))}-${pad(prng.int(1, 28))}`;
}

interface Person {
  given: string;
  gender: 'Male' | 'Female' | false;
  birthdate: string;
  kind: number;
}

/**
 * Generates `count` households of 1 to 9 members with heads, spouses and children, national
 * IDs, phone numbers, some bank accounts, tags and districts; about 2% of the individuals are
 * archived and 5% of the memberships ended. Only the seed decides the content (names, dates,
 * numbers); timestamps come from the clock.
 */
export function generateHouseholds(orm: Orm, env: CallEnv, seed: number, count: number): void {
  const prng = new Prng(seed);
  for (let h = 0; h < count; h++) {
    const family = prng.pick(FAMILY_NAMES);
    const district = prng.pick(DISTRICTS).id;
    const registered = dateBetween(prng, 2015, 2024);
    const size = prng.int(1, 9);
    const people = householdPeople(prng, size);
    const memberIds: number[] = [];
    for (const person of people) {
      const phone = prng.chance(0.8) ? `+2547${prng.digits(8)}` : undefined;
      const phones = phone ? [[0, 0, { phone_no: phone, date_collected: registered }]] : [];
      const banks =
        person.kind === HEAD && prng.chance(0.5)
          ? [[0, 0, { acc_number: `KE${prng.digits(12)}`, bank_id: prng.pick(BANKS).id, acc_holder_name: `${person.given} ${family}` }]]
          : [];
      const adult = person.birthdate < '2006-01-01';
      const [id] = orm.create(env, 'res.partner', [
        {
          name: `${family.toUpperCase()}, ${person.given.toUpperCase()}`,
          family_name: family,
          given_name: person.given,
          is_registrant: true,
          is_group: false,
          gender: person.gender,
          birthdate: person.birthdate,
          // OpenG2P refuses a registration before the birth: a child born later was registered at birth.
          registration_date: person.birthdate > registered ? person.birthdate : registered,
          district,
          occupation: adult ? prng.pick(OCCUPATIONS) : 'Student',
          ...(adult && prng.chance(0.6) ? { income: Math.round(prng.next() * 500000) / 100 } : {}),
          active: !prng.chance(0.02),
          reg_ids: adult || prng.chance(0.3) ? [[0, 0, { id_type: NATIONAL_ID, value: prng.digits(10), status: 'valid' }]] : [],
          phone_number_ids: phones,
          // As OpenG2P's forms and REST module keep it: the partner's own phone is its first number.
          ...(phone ? { phone } : {}),
          bank_ids: banks,
        },
      ]);
      memberIds.push(id!);
    }
    const isHousehold = prng.chance(0.8);
    const tags = TAGS.filter(() => prng.chance(0.15)).map((tag) => tag.id);
    const [groupId] = orm.create(env, 'res.partner', [
      {
        name: `${isHousehold ? 'Household' : 'Family'} ${family} ${h + 1}`,
        is_registrant: true,
        is_group: true,
        kind: isHousehold ? 1 : 2,
        registration_date: registered,
        district,
        tags_ids: [[6, 0, tags]],
      },
    ]);
    people.forEach((person, index) => {
      const start = `${registered} 0${prng.int(0, 9)}:${pad(prng.int(0, 59))}:00`;
      const ended = person.kind !== HEAD && prng.chance(0.05) ? `${dateBetween(prng, 2025, 2025)} 12:00:00` : false;
      orm.create(env, 'g2p.group.membership', [
        {
          group: groupId,
          individual: memberIds[index],
          kind: [[6, 0, [person.kind]]],
          start_date: start,
          ended_date: ended,
        },
      ]);
    });
  }
}

function householdPeople(prng: Prng, size: number): Person[] {
  const headGender: 'Male' | 'Female' = prng.chance(0.6) ? 'Male' : 'Female';
  const person = (kind: number, gender: 'Male' | 'Female', fromYear: number, toYear: number): Person => ({
    given: prng.pick(gender === 'Male' ? GIVEN_NAMES_MALE : GIVEN_NAMES_FEMALE),
    gender: prng.chance(0.03) ? false : gender,
    birthdate: dateBetween(prng, fromYear, toYear),
    kind,
  });
  const people = [person(HEAD, headGender, 1950, 1998)];
  if (size > 1 && prng.chance(0.7)) people.push(person(SPOUSE, headGender === 'Male' ? 'Female' : 'Male', 1955, 2000));
  while (people.length < size) {
    const isChild = prng.chance(0.85);
    people.push(isChild ? person(CHILD, prng.chance(0.5) ? 'Male' : 'Female', 2004, 2023) : person(MEMBER, prng.chance(0.5) ? 'Male' : 'Female', 1940, 2000));
  }
  return people;
}
