/**
 * Reference data with the ids the recordings use: gender values "Male"/"Female" (the real
 * server's fields_get lists exactly these two), ID type 1 "National ID" (no id_validation on
 * the recorded server), group kind 1 "Household", membership kind 1 "Head" (is_unique), bank 2
 * and tags 5 and 6 exist.
 */
export const GENDERS = [
  { id: 1, value: 'Male', code: 'Male' },
  { id: 2, value: 'Female', code: 'Female' },
];

export const ID_TYPES = [
  { id: 1, name: 'National ID', id_validation: false },
  { id: 2, name: 'Passport', id_validation: '^[A-Z][0-9]{8}$' },
  { id: 3, name: 'Tax ID', id_validation: '^[0-9]{9}$' },
  { id: 4, name: 'Birth Certificate', id_validation: false },
];

export const GROUP_KINDS = [
  { id: 1, name: 'Household' },
  { id: 2, name: 'Family' },
];

export const MEMBERSHIP_KINDS = [
  { id: 1, name: 'Head', is_unique: true },
  { id: 2, name: 'Spouse', is_unique: false },
  { id: 3, name: 'Child', is_unique: false },
  { id: 4, name: 'Member', is_unique: false },
];

export const BANKS = [
  { id: 1, name: 'First National Bank', bic: 'FNBKKENX' },
  { id: 2, name: 'Bank of Africa', bic: 'AFRIKENX' },
  { id: 3, name: 'Équité Banque Coopérative', bic: 'EQBLKENA' },
  { id: 4, name: 'Cooperative Savings Bank', bic: 'KCOOKENA' },
];

export const TAGS = [
  { id: 1, name: 'Vulnerable', color: 1 },
  { id: 2, name: 'Disability', color: 2 },
  { id: 3, name: 'Elderly', color: 3 },
  { id: 4, name: 'Smallholder Farmer', color: 4 },
  { id: 5, name: 'Female-headed Household', color: 5 },
  { id: 6, name: 'Displaced', color: 6 },
];

export const DISTRICTS = [
  { id: 1, name: 'Nairobi Central' },
  { id: 2, name: 'Kisumu East' },
  { id: 3, name: 'Mombasa Island' },
  { id: 4, name: 'Nakuru West' },
  { id: 5, name: 'Garissa' },
  { id: 6, name: 'Turkana South' },
];

export const RELATIONSHIPS = [
  { id: 1, name: 'Parent', name_inverse: 'Child', bidirectional: false, source_type: 'i', destination_type: 'i' },
  { id: 2, name: 'Sibling', name_inverse: 'Sibling', bidirectional: true, source_type: 'i', destination_type: 'i' },
];

export const COUNTRIES = [
  { id: 1, name: 'Kenya', code: 'KE', phone_code: 254 },
  { id: 2, name: 'United States', code: 'US', phone_code: 1 },
  { id: 3, name: 'India', code: 'IN', phone_code: 91 },
  { id: 4, name: 'Nigeria', code: 'NG', phone_code: 234 },
  { id: 5, name: 'Philippines', code: 'PH', phone_code: 63 },
];

export const CURRENCIES = [
  { id: 1, name: 'EUR', symbol: '€' },
  { id: 2, name: 'USD', symbol: '$' },
  { id: 3, name: 'KES', symbol: 'KSh' },
];

export const GIVEN_NAMES_FEMALE = [
  'Amara',
  'Zoë',
  'Ngozi',
  'Thảo',
  'Łucja',
  'Aïcha',
  'Fatoumata',
  'Adaeze',
  'Wanjiru',
  'Mũthoni',
  'Chloé',
  'Søs',
  'Çağla',
  'Ana',
  'Grace',
  'Akosua',
  'Nomvula',
  'Ayşe',
  'María José',
  'Jùn',
];
export const GIVEN_NAMES_MALE = [
  'José',
  'Chidi',
  'Björn',
  'Nnamdi',
  'Oluwaseun',
  'Kwame',
  'Émile',
  'Søren',
  'Kamau',
  'Jürgen',
  'Ibrahim',
  'Thabo',
  'Đức',
  'Tomás',
  'Otieno',
  'Mamadou',
  'Kofi',
  'Paweł',
  'Raúl',
  'Yaw',
];
export const FAMILY_NAMES = [
  'Okafor',
  'Mwangi',
  'Diallo',
  'Nguyễn',
  'Müller',
  'Ndiaye',
  'Kamau',
  'Ouédraogo',
  'Banda',
  'Phiri',
  'Mensah',
  'Håkansson',
  'Traoré',
  'Achebe',
  'Ochieng',
  'Cissé',
  'Dlamini',
  'Śliwa',
  'Öztürk',
  'Peña',
];
export const OCCUPATIONS = ['Farmer', 'Teacher', 'Trader', 'Nurse', 'Driver', 'Tailor', 'Student', 'Fisher', false];
